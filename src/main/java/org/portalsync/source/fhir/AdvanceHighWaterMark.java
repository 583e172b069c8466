package org.portalsync.source.fhir;

import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.sync.SyncHeaders;

/**
 * Runs after every record of a page has been committed (or dead-lettered): moves the feed's mark
 * to the newest lastUpdated seen. A feed not sorted oldest first (history) moves only at its end,
 * so that a crash mid-feed re-reads rather than skips. A dry run never moves it.
 */
public final class AdvanceHighWaterMark implements Processor {

    private final String source;
    private final SyncHighWaterMarks marks;
    private final boolean dryRun;

    public AdvanceHighWaterMark(String source, SyncHighWaterMarks marks, boolean dryRun) {
        this.source = source;
        this.marks = marks;
        this.dryRun = dryRun;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Instant mark = exchange.getProperty(SyncHeaders.PAGE_HIGH_WATER_MARK, Instant.class);
        boolean ascending = exchange.getProperty(FhirFeed.ASCENDING, false, Boolean.class);
        boolean lastPage = exchange.getProperty(SyncHeaders.NEXT_PAGE_URL) == null;
        if (dryRun || mark == null || !(ascending || lastPage)) {
            return;
        }
        marks.advance(source, exchange.getProperty(SyncHeaders.FEED, String.class), mark);
    }
}
