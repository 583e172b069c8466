package org.portalsync.source.fhir;

import java.time.Instant;

import org.apache.camel.Exchange;
import org.portalsync.sync.SyncHeaders;

/** The exchange properties that carry one feed (search or history) through the page loop. */
final class FhirFeed {

    /** Property: true when the feed is sorted oldest first, so the mark may follow each page. */
    static final String ASCENDING = "portalSyncFeedAscending";
    /** Property: true when only deletions of this feed are wanted (the history sweep). */
    static final String DELETIONS_ONLY = "portalSyncFeedDeletionsOnly";

    private FhirFeed() {
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
