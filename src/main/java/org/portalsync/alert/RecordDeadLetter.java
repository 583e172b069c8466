package org.portalsync.alert;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.portalsync.metrics.SyncMetrics;
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
 * in a log line. When that database is down, the local journal keeps it until it is back. In a dry
 * run it goes to the report instead.
 */
public final class RecordDeadLetter implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RecordDeadLetter.class);

    /** Header: set to the alert text when the dead letter went to the journal, for the route to send it out. */
    public static final String JOURNALLED_ALERT = "PortalSyncJournalledAlert";

    private final DeadLetterStore deadLetters;
    private final DeadLetterJournal journal;
    private final FhirContext fhir;
    private final SyncMetrics metrics;
    private final Clock clock;

    public RecordDeadLetter(DeadLetterStore deadLetters, DeadLetterJournal journal, FhirContext fhir, SyncMetrics metrics, Clock clock) {
        this.deadLetters = deadLetters;
        this.journal = journal;
        this.fhir = fhir;
        this.metrics = metrics;
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
        if (stats == null && record != null) {
            // outside a poll (webhook, legacy inbox, SOAP): the steps that count a record's outcome are skipped too
            metrics.recordOutcome(source, SyncMetrics.resourceType(record), SyncOutcome.DEAD_LETTERED);
        }
        Instant now = clock.instant();
        Object sourceResource = exchange.getProperty(SyncHeaders.SOURCE_RESOURCE);
        String payload = payload(sourceResource != null ? sourceResource : exchange.getMessage().getBody());
        DeadLetter letter = new DeadLetter(UUID.randomUUID().toString(), now, routeId, source, record, payload,
                cause == null ? "unknown" : cause.getClass().getName(),
                reason + " (after " + attempts + (attempts == 1 ? " attempt)" : " attempts)"), kind,
                exchange.getMessage().getHeader(SyncHeaders.LEGACY_INBOX_ID, Long.class));
        try {
            Optional<Long> id = deadLetters.store(letter);
            LOG.error("ALERT {}: {} (dead letter #{})", kind, letter.alertMessage(), id.map(String::valueOf).orElse("?"));
        } catch (RuntimeException databaseFailure) {
            // the table that should hold it is out of reach: the journal holds it until the import,
            // and the alert goes out by a way that does not need the database
            journal.append(letter);
            String alert = "ALERT " + AlertKind.PORTAL_DB_DOWN + ": the portal database is unreachable; " + kind + " " + letter.alertMessage()
                    + " is kept in the local dead-letter journal until the database is back";
            LOG.error(alert);
            exchange.getMessage().setHeader(JOURNALLED_ALERT, alert);
        }
    }

    /** The first delivery and its redeliveries: a failure that would fail the same way is tried once. */
    static int attempts(Exchange exchange) {
        int counted = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        return 1 + Math.max(counted, LogRetryAttempt.RetriesMade.of(exchange));
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
}
