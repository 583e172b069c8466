package org.portalsync.sync;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Adds one record's outcome header to the running poll's counts. */
public final class CountSyncOutcome implements Processor {

    @Override
    public void process(Exchange exchange) {
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        SyncOutcome outcome = exchange.getMessage().getHeader(SyncHeaders.OUTCOME, SyncOutcome.class);
        if (stats != null && outcome != null) {
            stats.record(outcome);
        }
    }
}
