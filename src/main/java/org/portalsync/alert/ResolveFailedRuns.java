package org.portalsync.alert;

import java.time.Clock;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.SyncHeaders;

/**
 * Last step of a feed that read to its end: the dead letters of its earlier failed runs (a page the
 * EHR would not serve, a mark that could not be stored) are resolved, since this run read past the
 * point where they stopped. A dry run resolves nothing.
 */
public final class ResolveFailedRuns implements Processor {

    private final DeadLetterStore deadLetters;
    private final List<String> routeIds;
    private final boolean dryRun;
    private final Clock clock;

    public ResolveFailedRuns(DeadLetterStore deadLetters, List<String> routeIds, boolean dryRun, Clock clock) {
        this.deadLetters = deadLetters;
        this.routeIds = List.copyOf(routeIds);
        this.dryRun = dryRun;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        if (!dryRun && source != null) {
            deadLetters.resolveRuns(source, routeIds, clock.instant());
        }
    }
}
