package org.portalsync.source.fhir;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncInitialLoads;
import org.portalsync.sync.SyncHeaders;

/**
 * Marks the two ends of a feed's initial load around the poll's read of it: {@link #begin} when a
 * poll opens the feed (only the first poll's counts), {@link #complete} after the feed was read to
 * its end, every page committed or dead-lettered (a failed page stops the poll before that step, so
 * the next poll is still the initial load). A dry run writes nothing.
 */
public final class TrackInitialLoad implements Processor {

    private final String source;
    private final SyncInitialLoads initialLoads;
    private final boolean dryRun;
    private final boolean completes;

    private TrackInitialLoad(String source, SyncInitialLoads initialLoads, boolean dryRun, boolean completes) {
        this.source = source;
        this.initialLoads = initialLoads;
        this.dryRun = dryRun;
        this.completes = completes;
    }

    public static TrackInitialLoad begin(String source, SyncInitialLoads initialLoads, boolean dryRun) {
        return new TrackInitialLoad(source, initialLoads, dryRun, false);
    }

    public static TrackInitialLoad complete(String source, SyncInitialLoads initialLoads, boolean dryRun) {
        return new TrackInitialLoad(source, initialLoads, dryRun, true);
    }

    @Override
    public void process(Exchange exchange) {
        if (dryRun) {
            return;
        }
        String feed = exchange.getProperty(SyncHeaders.FEED, String.class);
        if (completes) {
            initialLoads.complete(source, feed);
        } else {
            initialLoads.begin(source, feed);
        }
    }
}
