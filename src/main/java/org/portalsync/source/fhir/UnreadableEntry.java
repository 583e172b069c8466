package org.portalsync.source.fhir;

/**
 * An NDJSON line that names no resource (not JSON, or not a JSON object): {@link ParseFhirEntry} turns it into a
 * malformed-resource data-quality row, and the rest of the file goes on.
 *
 * @param record where the line is, e.g. {@code Patient export file 2 line 17} (never the line itself: it may hold PHI)
 */
public record UnreadableEntry(String record, String problem) {
}
