package org.portalsync.validate;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.SyncStatusStore;
import org.portalsync.sync.DryRunReport;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;

/**
 * A resource that could not be parsed becomes a data-quality row and a failed sync status, in one
 * transaction, and is not retried: the same bytes would fail the same way.
 */
public final class RecordMalformedResource implements Processor {

    private final PortalDatabase database;
    private final DataQualityLog dataQuality;
    private final SyncStatusStore statuses;
    private final Clock clock;

    public RecordMalformedResource(PortalDatabase database, DataQualityLog dataQuality, SyncStatusStore statuses, Clock clock) {
        this.database = database;
        this.dataQuality = dataQuality;
        this.statuses = statuses;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        MalformedResourceException malformed = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, MalformedResourceException.class);
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, SyncOutcome.REJECTED);
        DryRunReport report = exchange.getProperty(SyncHeaders.DRY_RUN_REPORT, DryRunReport.class);
        if (report != null) {
            report.rejected(malformed.record(), malformed.field() + ": " + malformed.problem());
            return;
        }
        Instant now = clock.instant();
        DataQualityIssue issue = new DataQualityIssue(malformed.record(), malformed.field(), malformed.problem(), true);
        String sourceId = malformed.record().substring(malformed.record().indexOf('/') + 1);
        database.inTransaction(connection -> {
            dataQuality.record(connection, source, List.of(issue), now);
            statuses.failed(connection, source, sourceId, issue.field() + ": " + issue.problem(), now);
            return null;
        });
    }
}
