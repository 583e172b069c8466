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

    private FhirFeed() {
    }

    static String resourceType(Exchange exchange) {
        String type = exchange.getProperty(RESOURCE_TYPE, String.class);
        if (type == null || !type.matches("[A-Z][A-Za-z]+")) {
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
