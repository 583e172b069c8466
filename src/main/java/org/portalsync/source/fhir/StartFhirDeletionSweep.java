package org.portalsync.source.fhir;

import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.sync.SyncHeaders;

/**
 * Opens the second feed of a poll: a search never returns deleted resources, so deletions are read
 * from {@code <type>/_history?_since=} (the type of the search feed just read, {@link FhirFeed#RESOURCE_TYPE}). The first poll only sets the mark (to the search's), since
 * a record deleted before it was ever synced has nothing in the portal to archive. An EHR without
 * type-level history ({@link FhirServerCapabilities}) gets no sweep: its deletions come from 410 and active=false.
 */
public final class StartFhirDeletionSweep implements Processor {

    private final String source;
    private final String baseUrl;
    private final int pageSize;
    private final Duration overlap;
    private final SyncHighWaterMarks marks;
    private final boolean dryRun;
    private final FhirServerCapabilities capabilities;

    public StartFhirDeletionSweep(String source, String baseUrl, int pageSize, Duration overlap, SyncHighWaterMarks marks, boolean dryRun,
            FhirServerCapabilities capabilities) {
        this.source = source;
        this.baseUrl = baseUrl;
        this.pageSize = pageSize;
        this.overlap = overlap;
        this.marks = marks;
        this.dryRun = dryRun;
        this.capabilities = capabilities;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String resourceType = FhirFeed.resourceType(exchange);
        String feed = FhirFeed.deletionsFeed(resourceType);
        if (!capabilities.current().historyType()) {
            FhirFeed.open(exchange, feed, null, false, true);
            return;
        }
        var mark = marks.read(source, feed);
        if (mark.isEmpty()) {
            if (!dryRun) {
                marks.read(source, resourceType).ifPresent(searchMark -> marks.advance(source, feed, searchMark));
            }
            FhirFeed.open(exchange, feed, null, false, true);
            return;
        }
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        FhirFeed.open(exchange, feed, baseUrl + "/" + resourceType + "/_history?_since=" + mark.get().minus(overlap) + "&_count=" + pageSize, false, true);
    }
}
