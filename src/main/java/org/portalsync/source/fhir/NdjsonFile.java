package org.portalsync.source.fhir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
 * {@link UnreadableEntry} (never thrown: it must not stop the file). Not thread-safe: one poll reads it.
 */
final class NdjsonFile implements AutoCloseable {

    private static final ObjectMapper JSON = FhirBundleReader.JSON;

    private final String type;
    private final int fileNumber;
    private final BufferedReader lines;
    private long lineNumber;
    private boolean ended;

    /** @param fileNumber the file's place in the manifest, from 1, to name a bad line's place */
    NdjsonFile(String type, int fileNumber, InputStream body) {
        this.type = type;
        this.fileNumber = fileNumber;
        this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** Up to {@code max} entries ({@link FhirEntry} or {@link UnreadableEntry}); fewer only at the end of the file. */
    List<Object> next(int max) {
        List<Object> entries = new ArrayList<>(max);
        try {
            while (entries.size() < max) {
                String line = lines.readLine();
                if (line == null) {
                    ended = true;
                    break;
                }
                lineNumber++;
                if (!line.isBlank()) {
                    entries.add(entry(line));
                }
            }
        } catch (IOException e) {
            throw new EhrUnavailableException("the download of " + type + " export file " + fileNumber + " broke off at line "
                    + lineNumber + " (" + e.getClass().getSimpleName() + ")", e);
        }
        return entries;
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
            lines.close();
        } catch (IOException ignored) {
            // the connection goes back to nobody: the HTTP client drops it
        }
    }
}
