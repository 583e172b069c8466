package org.portalsync.source.fhir;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One NDJSON file of a Bulk Data export, read a few lines at a time from the open download, so that a file of any
 * size takes the memory of one batch. One line is one resource; a line that is not a JSON object becomes an
 * {@link UnreadableEntry} (never thrown: it must not stop the file). A line longer than a limit (64 Mi characters, as
 * for a whole answer) is skipped as unreadable rather than held whole: a runaway line must not fill the heap.
 * Not thread-safe: one poll reads it.
 */
final class NdjsonFile implements AutoCloseable {

    private static final ObjectMapper JSON = FhirBundleReader.JSON;

    private final String type;
    private final int fileNumber;
    private final Reader text;
    private final int maxLineChars;
    private final char[] buffer = new char[8192];
    private int position;
    private int limit;
    private long lineNumber;
    private boolean ended;

    /** @param fileNumber the file's place in the manifest, from 1, to name a bad line's place */
    NdjsonFile(String type, int fileNumber, InputStream body) {
        this(type, fileNumber, body, FhirSourceClient.MAX_ANSWER_BYTES);
    }

    NdjsonFile(String type, int fileNumber, InputStream body, int maxLineChars) {
        this.type = type;
        this.fileNumber = fileNumber;
        this.text = new InputStreamReader(body, StandardCharsets.UTF_8);
        this.maxLineChars = maxLineChars;
    }

    /** Up to {@code max} entries ({@link FhirEntry} or {@link UnreadableEntry}); fewer only at the end of the file. */
    List<Object> next(int max) {
        List<Object> entries = new ArrayList<>(max);
        try {
            while (entries.size() < max) {
                StringBuilder line = new StringBuilder();
                Boolean whole = readLine(line);
                if (whole == null) {
                    ended = true;
                    break;
                }
                lineNumber++;
                if (!whole) {
                    entries.add(new UnreadableEntry(place(), "the NDJSON line is longer than " + maxLineChars + " characters; skipped"));
                } else if (!line.toString().isBlank()) {
                    entries.add(entry(line.toString()));
                }
            }
        } catch (IOException e) {
            throw new EhrUnavailableException("the download of " + type + " export file " + fileNumber + " broke off at line "
                    + lineNumber + " (" + e.getClass().getSimpleName() + ")", e);
        }
        return entries;
    }

    /**
     * Reads one line (its end {@code \n}, {@code \r\n} or the end of the file) into {@code line}, or past it when it
     * grows longer than the limit.
     *
     * @return true for a line read whole, false for one too long (skipped to its end), null at the end of the file
     */
    private Boolean readLine(StringBuilder line) throws IOException {
        boolean any = false;
        boolean tooLong = false;
        while (true) {
            if (position == limit) {
                limit = text.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    return any ? !tooLong : null;
                }
            }
            any = true;
            int start = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            boolean endOfLine = position < limit;
            if (!tooLong) {
                line.append(buffer, start, position - start);
                if (line.length() > maxLineChars) {
                    tooLong = true;
                    line.setLength(0);
                }
            }
            if (endOfLine) {
                position++;
                int last = line.length() - 1;
                if (last >= 0 && line.charAt(last) == '\r') {
                    line.setLength(last);
                }
                return !tooLong;
            }
        }
    }

    boolean ended() {
        return ended;
    }

    private Object entry(String line) {
        JsonNode resource;
        try {
            resource = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return new UnreadableEntry(place(), "the NDJSON line is not JSON");
        }
        if (resource == null || !resource.isObject()) {
            return new UnreadableEntry(place(), "the NDJSON line is not a JSON object");
        }
        return FhirBundleReader.resource((ObjectNode) resource, line);
    }

    private String place() {
        return type + " export file " + fileNumber + " line " + lineNumber;
    }

    /** Closes the download; a failure to close an abandoned or finished download loses nothing, so it is not one. */
    @Override
    public void close() {
        try {
            text.close();
        } catch (IOException ignored) {
            // the connection goes back to nobody: the HTTP client drops it
        }
    }
}
