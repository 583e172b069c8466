package org.portalsync.sync;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.health.PollHistory;
import org.portalsync.metrics.SyncMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a poll, however it ended: logs the one-line summary and, in a dry run, writes the report.
 * The body becomes the summary line.
 */
public final class FinishPoll implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.poll");

    private final Path reportFolder;
    private final Clock clock;
    private final SyncMetrics metrics;
    private final PollHistory history;

    public FinishPoll(Path reportFolder, Clock clock, SyncMetrics metrics, PollHistory history) {
        this.reportFolder = reportFolder;
        this.clock = clock;
        this.metrics = metrics;
        this.history = history;
    }

    @Override
    public void process(Exchange exchange) {
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats == null) {
            return;
        }
        Instant now = clock.instant();
        metrics.pollFinished(exchange.getFromRouteId(), Duration.between(stats.startedAt(), now));
        history.finished(exchange.getFromRouteId(), now);
        String summary = stats.summary(now);
        DryRunReport report = exchange.getProperty(SyncHeaders.DRY_RUN_REPORT, DryRunReport.class);
        if (report != null) {
            Path file = report.write(reportFolder, now);
            summary = "Dry run: " + summary + "; report: " + file;
        }
        LOG.info(summary);
        exchange.getMessage().setBody(summary);
    }
}
