package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.util.Terser;

/**
 * One message read by {@link Hl7v2Reader}, seen as its segments in order: what mapping rules read
 * ({@link #value}) and what the unmapped-fields report walks ({@link #presentFields}).
 */
public final class Hl7v2Message {

    private final Message message;
    private final String text;
    private final List<Segment> segments;
    /** each rule looks its segments up by name: found once, not by a walk of the message per rule */
    private final Map<String, List<Segment>> segmentsByName = new HashMap<>();
    /** read once, on the thread that read the message: routing, the audit row and the digest ask for them again */
    private final String type;
    private final String event;
    private final String controlId;
    private final String sender;

    /** @param text the message as HAPI read it ({@link Hl7v2Reader#normalise}: segments end in CR) */
    Hl7v2Message(Message message, String text) {
        this.message = message;
        this.text = text;
        this.segments = new ArrayList<>();
        collect(message, segments);
        for (Segment segment : segments) {
            segmentsByName.computeIfAbsent(segment.getName(), name -> new ArrayList<>()).add(segment);
        }
        this.type = header(9, 1);
        this.event = header(9, 2);
        this.controlId = header(10, 1);
        this.sender = header(3, 1) + "^" + header(4, 1);
    }

    public Message hapiMessage() {
        return message;
    }

    /** MSH-9-1, e.g. {@code ADT} */
    public String type() {
        return type;
    }

    /** MSH-9-2, e.g. {@code A04} */
    public String event() {
        return event;
    }

    /** MSH-10, the sender's message control id */
    public String controlId() {
        return controlId;
    }

    /** MSH-3 and MSH-4 (their first components), e.g. {@code ADT1^GOOD HEALTH HOSPITAL}: who a control id is unique for */
    public String sender() {
        return sender;
    }

    /** The value of a field of MSH, "" when absent. */
    public String header(int field, int component) {
        List<Segment> msh = segments("MSH");
        return msh.isEmpty() ? "" : read(msh.get(0), field, 0, component, 1);
    }

    /** Every segment with this name, in message order. */
    public List<Segment> segments(String name) {
        return Collections.unmodifiableList(segmentsByName.getOrDefault(name, List.of()));
    }

    /** Every segment, in message order. */
    public List<Segment> segments() {
        return List.copyOf(segments);
    }

    /** How many repetitions a field has in a segment (0 when it is empty). */
    public static int repetitions(Segment segment, int field) {
        if (field > segment.numFields()) {
            return 0;
        }
        try {
            return segment.getField(field).length;
        } catch (HL7Exception e) {
            return 0;
        }
    }

    /** Index of the first repetition whose component holds the value, -1 when none does. */
    public static int repetitionWhere(Segment segment, int field, int component, String value) {
        for (int rep = 0; rep < repetitions(segment, field); rep++) {
            if (value.equals(read(segment, field, rep, component, 1))) {
                return rep;
            }
        }
        return -1;
    }

    /** A component's value (HAPI unescapes \T\ and the like), "" when absent. */
    public static String read(Segment segment, int field, int rep, int component, int subcomponent) {
        if (rep < 0 || rep >= repetitions(segment, field)) {
            return "";
        }
        try {
            String value = Terser.get(segment, field, rep, Math.max(component, 1), Math.max(subcomponent, 1));
            return value == null ? "" : value.strip();
        } catch (HL7Exception | RuntimeException e) {
            throw new Hl7v2MessageException(segment.getName() + "-" + field, "the field cannot be read", ErrorCode.DATA_TYPE_ERROR);
        }
    }

    /**
     * The fields holding a value, as {@code SEG-n}, and for each segment its name, in message order. MSH is the
     * engine's own (routing, the ACK) and is not listed.
     */
    public Set<String> presentFields() {
        // read from the text, not HAPI's model: encoding each field back to see whether it holds a value cost
        // a tenth of the listener's CPU; the two agree on every message of the corpus (Hl7v2MessageTest)
        char fieldSeparator = text.charAt(3);
        String separators = encodingCharacters(fieldSeparator);
        Set<String> present = new LinkedHashSet<>();
        for (String segment : text.split("\r")) {
            int end = segment.indexOf(fieldSeparator);
            if (end < 0) {
                continue;
            }
            String name = segment.substring(0, end);
            if (name.equals("MSH")) {
                continue;
            }
            int field = 1;
            for (int start = end + 1; start <= segment.length(); field++) {
                int next = segment.indexOf(fieldSeparator, start);
                int stop = next < 0 ? segment.length() : next;
                if (holdsValue(segment, start, stop, separators)) {
                    present.add(name);
                    present.add(name + "-" + field);
                }
                start = stop + 1;
            }
        }
        return present;
    }

    /** MSH-2's component, repetition and subcomponent separators (its escape character is a value's part). */
    private String encodingCharacters(char fieldSeparator) {
        int end = text.indexOf(fieldSeparator, 4);
        String msh2 = end < 0 ? "" : text.substring(4, end);
        StringBuilder separators = new StringBuilder(3);
        for (int i : new int[] {0, 1, 3}) {
            separators.append(i < msh2.length() ? msh2.charAt(i) : "^~\\&".charAt(i));
        }
        return separators.toString();
    }

    /** Whether a field's text holds more than separators and blanks. */
    private static boolean holdsValue(String segment, int start, int stop, String separators) {
        for (int i = start; i < stop; i++) {
            char c = segment.charAt(i);
            if (separators.indexOf(c) < 0 && !Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }

    private static void collect(Group group, List<Segment> out) {
        for (String name : group.getNames()) {
            Structure[] all;
            try {
                all = group.getAll(name);
            } catch (HL7Exception e) {
                continue;
            }
            for (Structure structure : all) {
                if (structure instanceof Segment segment) {
                    if (!isEmpty(segment)) {
                        out.add(segment);
                    }
                } else if (structure instanceof Group child) {
                    collect(child, out);
                }
            }
        }
    }

    private static boolean isEmpty(Segment segment) {
        try {
            return segment.isEmpty();
        } catch (HL7Exception e) {
            return true;
        }
    }
}
