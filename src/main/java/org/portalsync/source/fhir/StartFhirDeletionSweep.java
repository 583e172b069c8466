package org.portalsync.source.fhir;

import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.sync.SyncHeaders;

/**
 * Opens the second feed of a poll: a search never returns deleted resources, so deletions are read
 * from {@code Patient/_history?_since=}. The first poll only sets the mark (to the search's), since
 * a patient deleted before it was ever synced has nothing in the portal to archive. An EHR without
 * type-level history ({@link FhirServerCapabilities}) gets no sweep: its deletions come from 410 and active=false.
 */
public final class StartFhirDeletionSweep implements Processor {

    public static final String FEED = "Patient-deletions";

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
        if (!capabilities.current().historyType()) {
            FhirFeed.open(exchange, FEED, null, false, true);
            return;
        }
        var mark = marks.read(source, FEED);
        if (mark.isEmpty()) {
            if (!dryRun) {
                marks.read(source, StartFhirPatientPoll.FEED).ifPresent(searchMark -> marks.advance(source, FEED, searchMark));
            }
            FhirFeed.open(exchange, FEED, null, false, true);
            return;
        }
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        FhirFeed.open(exchange, FEED, baseUrl + "/Patient/_history?_since=" + mark.get().minus(overlap) + "&_count=" + pageSize, false, true);
    }
}
