package org.portalsync.sync;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
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

    public FinishPoll(Path reportFolder, Clock clock) {
        this.reportFolder = reportFolder;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats == null) {
            return;
        }
        Instant now = clock.instant();
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
