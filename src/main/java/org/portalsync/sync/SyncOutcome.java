package org.portalsync.sync;

/** How one record's sync ended. */
public enum SyncOutcome {
    CREATED, UPDATED, UNCHANGED, ARCHIVED, REJECTED, DEAD_LETTERED,
    /** Older than the version the portal holds: ignored. */
    STALE
}
