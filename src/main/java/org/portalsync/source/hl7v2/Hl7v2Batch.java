package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.List;

import ca.uhn.hl7v2.ErrorCode;

/**
 * The messages of an HL7 v2 file: one message, several one after the other, or a batch (HL7 v2.5.1 section
 * 2.10.3: {@code [FHS] {[BHS] {MSH...} [BTS]} [FTS]}). The batch envelope segments are the file's, not a message's;
 * a batch trailer's message count (BTS-1) or a file trailer's batch count (FTS-1) that does not match what the file
 * holds means a file cut off or joined badly, and the file is refused. Line ends and a byte order mark are tidied
 * as {@link Hl7v2Reader#normalise} does.
 */
public final class Hl7v2Batch {

    private Hl7v2Batch() {
    }

    /** @throws Hl7v2MessageException naming the line and the problem when the file is not messages or a batch */
    public static List<String> messages(String text) {
        String[] segments = Hl7v2Reader.normalise(text).split("\r");
        List<String> messages = new ArrayList<>();
        StringBuilder current = null;
        int inBatch = 0;
        int batches = 0;
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty()) {
                continue;
            }
            String name = segment.length() < 3 ? segment : segment.substring(0, 3);
            switch (name) {
                case "MSH" -> {
                    current = close(current, messages);
                    current = new StringBuilder(segment);
                    inBatch++;
                }
                case "FHS", "FTS", "BHS", "BTS" -> {
                    current = close(current, messages);
                    if (name.equals("BHS")) {
                        batches++;
                        inBatch = 0;
                    } else if (name.equals("BTS")) {
                        count(segment, i, "BTS", "messages in the batch", inBatch);
                    } else if (name.equals("FTS")) {
                        count(segment, i, "FTS", "batches in the file", batches);
                    }
                }
                default -> {
                    if (current == null) {
                        throw new Hl7v2MessageException("line " + (i + 1), "a " + (name.matches("[A-Z][A-Z0-9]{2}") ? name + " segment"
                                : "line that is no segment") + " before any MSH; a file holds messages, or a batch (FHS, BHS, MSH...)",
                                ErrorCode.SEGMENT_SEQUENCE_ERROR);
                    }
                    current.append('\r').append(segment);
                }
            }
        }
        close(current, messages);
        if (messages.isEmpty()) {
            throw new Hl7v2MessageException("file", "holds no message (no MSH segment)", ErrorCode.SEGMENT_SEQUENCE_ERROR);
        }
        return List.copyOf(messages);
    }

    private static StringBuilder close(StringBuilder current, List<String> messages) {
        if (current != null) {
            messages.add(current.toString());
        }
        return null;
    }

    /** A trailer's count (BTS-1, FTS-1), when given, must match: a different one means a file cut off or joined badly. */
    private static void count(String segment, int line, String name, String what, int actual) {
        if (segment.length() < 5) {
            return;
        }
        char separator = segment.charAt(3);
        String[] fields = segment.substring(4).split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1);
        String given = fields.length == 0 ? "" : fields[0].strip();
        if (given.isEmpty()) {
            return;
        }
        if (!given.equals(String.valueOf(actual))) {
            throw new Hl7v2MessageException(name + "-1 (line " + (line + 1) + ")", "says " + given + " " + what + ", the file holds " + actual
                    + "; it may be cut off", ErrorCode.SEGMENT_SEQUENCE_ERROR);
        }
    }
}
