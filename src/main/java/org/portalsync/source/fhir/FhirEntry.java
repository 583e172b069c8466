package org.portalsync.source.fhir;

import java.time.Instant;

/**
 * One entry of a search or history page, not yet parsed: a malformed resource must not spoil its page.
 *
 * @param resourceJson the resource as JSON, null for a deletion (or a broken entry that holds none)
 * @param deleted      true for a history entry whose request was DELETE, or that holds no resource
 * @param lastUpdated  {@code meta.lastUpdated} (or the history entry's {@code response.lastModified}), null if absent or unreadable
 */
public record FhirEntry(String resourceType, String id, String versionId, Instant lastUpdated, String resourceJson, boolean deleted) {

    public String reference() {
        return resourceType + "/" + id;
    }
}
