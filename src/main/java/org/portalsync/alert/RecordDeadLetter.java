package org.portalsync.alert;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.fhir.FhirEntry;
import org.portalsync.sync.DryRunReport;
import org.portalsync.sync.PollStats;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of the retry road: stores the failed message and its cause in the dead-letter table and
 * raises an alert row in the same transaction, so a failure always ends in the database, not only
 * in a log line. In a dry run it goes to the report instead.
 */
public final class RecordDeadLetter implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RecordDeadLetter.class);

    private final PortalDatabase database;
    private final FhirContext fhir;
    private final Clock clock;

    public RecordDeadLetter(PortalDatabase database, FhirContext fhir, Clock clock) {
        this.database = database;
        this.fhir = fhir;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String routeId = exchange.getProperty(Exchange.FAILURE_ROUTE_ID, "unknown", String.class);
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class);
        AlertKind kind = AlertKind.of(cause);
        // drivers and libraries quote the values they choke on: only a PHI-free text goes on
        String reason = SafeFailureText.of(cause);
        int attempts = attempts(exchange);
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, SyncOutcome.DEAD_LETTERED);
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats != null && record == null) {
            stats.failed(kind + ": " + reason);
        } else if (stats != null) {
            // the split step that would count it is skipped once the error handler took over
            stats.record(SyncOutcome.DEAD_LETTERED);
        }
        DryRunReport report = exchange.getProperty(SyncHeaders.DRY_RUN_REPORT, DryRunReport.class);
        if (report != null) {
            report.failed(record == null ? routeId : record, kind + ": " + reason);
            return;
        }
        Instant now = clock.instant();
        Object sourceResource = exchange.getProperty(SyncHeaders.SOURCE_RESOURCE);
        String payload = payload(sourceResource != null ? sourceResource : exchange.getMessage().getBody());
        long deadLetterId = database.inTransaction(connection -> {
            long id;
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO dead_letter (failed_at, route_id, source, record_ref, payload, cause_type, cause_message, status)"
                            + " VALUES (?, ?, ?, ?, ?, ?, ?, 'NEW')", Statement.RETURN_GENERATED_KEYS)) {
                insert.setObject(1, PortalDatabase.utc(now));
                insert.setString(2, routeId);
                insert.setString(3, source);
                insert.setString(4, record);
                insert.setString(5, payload);
                insert.setString(6, cause == null ? "unknown" : cause.getClass().getName());
                insert.setString(7, truncate(reason, 4000));
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    id = keys.getLong(1);
                }
            }
            try (PreparedStatement alert = connection.prepareStatement(
                    "INSERT INTO alert (raised_at, severity, kind, message, dead_letter_id) VALUES (?, 'CRITICAL', ?, ?, ?)")) {
                alert.setObject(1, PortalDatabase.utc(now));
                alert.setString(2, kind.name());
                alert.setString(3, truncate(routeId + (record == null ? "" : " " + record) + ": " + reason
                        + " (after " + attempts + (attempts == 1 ? " attempt)" : " attempts)"), 4000));
                alert.setLong(4, id);
                alert.executeUpdate();
            }
            return id;
        });
        LOG.error("ALERT {}: {}{}: {} (dead letter #{}, after {} attempt{})", kind, routeId, record == null ? "" : " " + record,
                reason, deadLetterId, attempts, attempts == 1 ? "" : "s");
    }

    /** The first delivery and its redeliveries: a failure that would fail the same way is tried once. */
    static int attempts(Exchange exchange) {
        return 1 + exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
    }

    private String payload(Object body) {
        if (body == null) {
            return null;
        }
        if (body instanceof IBaseResource resource) {
            return fhir.newJsonParser().encodeResourceToString(resource);
        }
        if (body instanceof FhirEntry entry) {
            return entry.resourceJson() == null ? entry.reference() + " (deleted)" : entry.resourceJson();
        }
        return body.toString();
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
