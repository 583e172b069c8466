package org.portalsync.sync;

/** Names of the headers and exchange properties the sync routes pass between steps. */
public final class SyncHeaders {

    /** Header: the configured name of the source a record came from (e.g. {@code ehr}). */
    public static final String SOURCE = "PortalSyncSource";
    /** Header: how delivering one record ended, a {@link SyncOutcome} name. */
    public static final String OUTCOME = "PortalSyncOutcome";
    /** Header: the record being synced, e.g. {@code Patient/123}, for errors and dead letters. */
    public static final String RECORD = "PortalSyncRecord";
    /** Header: true when the EHR answered a read of the record with 404 Not Found (not a deletion). */
    public static final String NOT_FOUND = "PortalSyncNotFound";

    /** Property: the {@link PollStats} of the running poll. */
    public static final String POLL_STATS = "portalSyncPollStats";
    /** Property: the URL of the next page to fetch; null when the feed is exhausted. */
    public static final String NEXT_PAGE_URL = "portalSyncNextPageUrl";
    /** Property: the feed being read (e.g. {@code Patient}, {@code Patient-deletions}), the high-water mark's key. */
    public static final String FEED = "portalSyncFeed";
    /** Property: the newest {@code lastUpdated} among the entries of the page just fetched. */
    public static final String PAGE_HIGH_WATER_MARK = "portalSyncPageHighWaterMark";

    /** Property: the {@link DryRunReport} of a read-only run; absent in a normal run. */
    public static final String DRY_RUN_REPORT = "portalSyncDryRunReport";

    /** Property: the resource as the source sent it, kept for a dead letter that can be replayed. */
    public static final String SOURCE_RESOURCE = "portalSyncSourceResource";

    /** Header: the HL7 v2 message (its legacy_inbox id) being applied; a dead letter keeps it, so the re-sync can apply it again. */
    public static final String LEGACY_INBOX_ID = "PortalSyncHl7v2InboxId";

    private SyncHeaders() {
    }
}
