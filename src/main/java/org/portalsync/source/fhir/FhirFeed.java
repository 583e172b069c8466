package org.portalsync.source.fhir;

import java.time.Instant;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.portalsync.sync.SyncHeaders;

/** The exchange properties that carry one feed (search or history) through the page loop. */
final class FhirFeed {

    /** Property: true when the feed is sorted oldest first, so the mark may follow each page. */
    static final String ASCENDING = "portalSyncFeedAscending";
    /** Property: true when only deletions of this feed are wanted (the history sweep). */
    static final String DELETIONS_ONLY = "portalSyncFeedDeletionsOnly";

    // What a feed reads, set by its route file before the feed starts (see routes/fhir-patient-poll.yaml)
    /** Property: the FHIR resource type the feed reads, e.g. {@code Patient}; also its high-water mark's key. */
    public static final String RESOURCE_TYPE = "portalSyncFeedResourceType";
    /** Property: extra search parameters, name=value pairs joined by {@code &} (values not yet encoded). */
    public static final String SEARCH = "portalSyncFeedSearch";
    /** Property: the elements the feed's mapping reads, comma-separated ({@code _elements}); empty for whole resources. */
    public static final String ELEMENTS = "portalSyncFeedElements";
    /** Property: {@code _include} values, comma-separated, e.g. {@code Coverage:payor}. */
    public static final String INCLUDE = "portalSyncFeedInclude";
    /** Property: the resources a page included ({@code _include}), by reference ({@code Organization/1}) to JSON. */
    public static final String INCLUDED = "portalSyncFeedIncluded";

    // A feed's initial load read as a Bulk Data export (routes/fhir-bulk-export.yaml)
    /** Property: true when this poll reads the feed by {@code $export} ({@link ChooseInitialLoadMethod}). */
    static final String BULK_EXPORT = "portalSyncBulkExport";
    /** Property: the export's {@code _since}, an Instant, or null for everything. */
    static final String EXPORT_SINCE = "portalSyncExportSince";
    /** Property: the export job's status URL (the kick-off's Content-Location). */
    static final String EXPORT_STATUS_URL = "portalSyncExportStatusUrl";
    /** Property: true when the export job is one an earlier run of the engine kicked off. */
    static final String EXPORT_RESUMED = "portalSyncExportResumed";
    /** Property: when the engine kicked the export off (Instant), for portal-sync.source.fhir.export-timeout. */
    static final String EXPORT_STARTED = "portalSyncExportStarted";
    /** Property: milliseconds to wait before the next status request. */
    static final String EXPORT_WAIT = "portalSyncExportWait";
    /** Property: the NDJSON files of the feed's type still to read (a Deque of URLs); null until the manifest came. */
    static final String EXPORT_FILES = "portalSyncExportFiles";
    /** Property: true when the export's manifest says its files need no access token ({@code requiresAccessToken: false}). */
    static final String EXPORT_FILES_TOKEN_FREE = "portalSyncExportFilesTokenFree";
    /** Property: the NDJSON file being read ({@link NdjsonFile}), null between files. */
    static final String EXPORT_FILE = "portalSyncExportFile";
    /** Property: how many of the export's files were opened so far. */
    static final String EXPORT_FILES_READ = "portalSyncExportFilesRead";
    /** Property: true while a file is open or files are left to read. */
    static final String EXPORT_MORE = "portalSyncExportMore";

    private static final Pattern RESOURCE_TYPE_NAME = Pattern.compile("[A-Z][A-Za-z]+");

    private FhirFeed() {
    }

    static String resourceType(Exchange exchange) {
        String type = exchange.getProperty(RESOURCE_TYPE, String.class);
        if (type == null || !RESOURCE_TYPE_NAME.matcher(type).matches()) {
            throw new IllegalStateException("The feed's route sets no valid property " + RESOURCE_TYPE + " (a FHIR resource type)");
        }
        return type;
    }

    /** @return the high-water mark key of a type's deletion sweep, e.g. {@code Patient-deletions} */
    static String deletionsFeed(String resourceType) {
        return resourceType + "-deletions";
    }

    static void open(Exchange exchange, String feed, String firstPageUrl, boolean ascending, boolean deletionsOnly) {
        exchange.setProperty(DELETIONS_ONLY, deletionsOnly);
        exchange.setProperty(SyncHeaders.FEED, feed);
        exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, firstPageUrl);
        exchange.setProperty(SyncHeaders.PAGE_HIGH_WATER_MARK, null);
        exchange.setProperty(ASCENDING, ascending);
    }

    /** Keeps the newest lastUpdated seen in this feed so far. */
    static void seen(Exchange exchange, Instant lastUpdated) {
        Instant mark = exchange.getProperty(SyncHeaders.PAGE_HIGH_WATER_MARK, Instant.class);
        if (lastUpdated != null && (mark == null || lastUpdated.isAfter(mark))) {
            exchange.setProperty(SyncHeaders.PAGE_HIGH_WATER_MARK, lastUpdated);
        }
    }
}
