package org.portalsync.source.fhir;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.PollStats;
import org.portalsync.sync.SyncHeaders;

/**
 * Fetches the page whose URL is the body and replaces the body with the page's entries; the
 * {@code next} link becomes the next page URL (null on the last page). A failed fetch leaves the
 * URL as the body, so that a dead letter says which page failed.
 */
public final class FetchFhirPage implements Processor {

    private final FhirSourceClient client;

    public FetchFhirPage(FhirSourceClient client) {
        this.client = client;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String url = exchange.getMessage().getMandatoryBody(String.class);
        String action = url.contains("/_history") ? "Patient.history" : "Patient.search";
        FhirResponse response = client.get(url, action);
        if (response.gone()) {
            throw new EhrRequestRejectedException("EHR answered " + action + " with HTTP " + response.status(), response.status());
        }
        FhirPage page = FhirBundleReader.read(url, response.body());
        page.entries().forEach(entry -> FhirFeed.seen(exchange, entry.lastUpdated()));
        exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, page.nextUrl());
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats != null) {
            stats.pageFetched();
        }
        boolean deletionsOnly = exchange.getProperty(FhirFeed.DELETIONS_ONLY, false, Boolean.class);
        List<FhirEntry> entries = deletionsOnly ? page.entries().stream().filter(FhirEntry::deleted).toList() : page.entries();
        exchange.getMessage().setBody(entries);
    }
}
