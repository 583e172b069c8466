package org.portalsync.sync;

import java.time.Instant;

/** The source deleted this resource (history DELETE entry, or a read answered 404/410). */
public record DeletedResource(String resourceType, String id, String versionId, Instant deletedAt) {

    public String reference() {
        return resourceType + "/" + id;
    }
}
