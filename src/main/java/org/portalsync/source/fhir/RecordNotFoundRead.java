package org.portalsync.source.fhir;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.SyncStatusStore;
import org.portalsync.sync.DryRunReport;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read the EHR answered {@code 404 Not Found}: a data-quality row naming the record and a failed
 * sync status, in one transaction; the portal record stays as it is. A 404 is no deletion (only
 * {@code 410}, a {@code _history} DELETE and {@code active=false} are): the patient may be restricted
 * or outside the client's scope, or the base URL may be wrong. The last is told apart by numbers:
 * when the reads of at least {@code surgeThreshold} different records were answered 404 within
 * {@code surgeWindow}, an {@link AlertKind#EHR_NOT_FOUND_SURGE} alert is raised, once per window.
 * The count comes from the audit rows of the reads, so it survives a restart and covers every
 * instance of a cluster.
 */
public final class RecordNotFoundRead implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RecordNotFoundRead.class);
    static final String PROBLEM = "the EHR answered 404 Not Found: the patient may be restricted or outside this client's scope,"
            + " or the base URL is wrong; the portal record is kept (only 410 Gone, a deletion in _history or active=false archive it)";

    private final PortalDatabase database;
    private final DataQualityLog dataQuality;
    private final SyncStatusStore statuses;
    private final int surgeThreshold;
    private final Duration surgeWindow;
    private final Clock clock;

    /** @param surgeThreshold records answered 404 within {@code surgeWindow} that raise the alert; 0 never raises it */
    public RecordNotFoundRead(PortalDatabase database, DataQualityLog dataQuality, SyncStatusStore statuses, int surgeThreshold,
            Duration surgeWindow, Clock clock) {
        this.database = database;
        this.dataQuality = dataQuality;
        this.statuses = statuses;
        this.surgeThreshold = surgeThreshold;
        this.surgeWindow = surgeWindow;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class);
        String field = record.substring(0, record.indexOf('/')) + ".id";
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, SyncOutcome.REJECTED);
        DryRunReport report = exchange.getProperty(SyncHeaders.DRY_RUN_REPORT, DryRunReport.class);
        if (report != null) {
            report.rejected(record, field + ": " + PROBLEM);
            return;
        }
        Instant now = clock.instant();
        DataQualityIssue issue = new DataQualityIssue(record, field, PROBLEM, true);
        String sourceId = record.substring(record.indexOf('/') + 1);
        String alert = database.inTransaction(connection -> {
            dataQuality.record(connection, source, List.of(issue), now);
            statuses.failed(connection, source, sourceId, field + ": " + PROBLEM, now);
            return raiseSurgeAlert(connection, source, record, now);
        });
        if (alert != null) {
            LOG.error("ALERT {}: {}", AlertKind.EHR_NOT_FOUND_SURGE, alert);
        }
    }

    /** @return the alert's message when one was raised, else null */
    private String raiseSurgeAlert(Connection connection, String source, String record, Instant now) throws SQLException {
        if (surgeThreshold <= 0) {
            return null;
        }
        Instant since = now.minus(surgeWindow);
        // the alert first: once it is raised, the reads of a surge (every read, with a wrong base URL) do not each count
        // the window's audit rows, which at a busy engine's rate are hundreds of thousands
        if (count(connection, "SELECT COUNT(*) FROM alert WHERE kind = ? AND raised_at >= ?", AlertKind.EHR_NOT_FOUND_SURGE.name(), since) > 0) {
            return null;
        }
        long notFound = count(connection, "SELECT COUNT(DISTINCT resource) FROM audit_event WHERE action = ? AND result = ? AND occurred_at >= ?",
                FetchFhirResource.PATIENT_READ, FhirSourceClient.auditFailure(404), since);
        if (notFound < surgeThreshold) {
            return null;
        }
        String message = notFound + " records were answered 404 Not Found on read within " + surgeWindow.toMinutes() + " min (threshold "
                + surgeThreshold + "), the latest " + record + ". None was archived. Many at once suggests a wrong base URL or a lost"
                + " scope: check portal-sync.source.fhir.base-url and the client's scopes at the EHR.";
        AlertLog.insert(connection, now, AlertKind.EHR_NOT_FOUND_SURGE, source, message, null);
        return message;
    }

    private static long count(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                query.setObject(i + 1, parameters[i] instanceof Instant instant ? PortalDatabase.utc(instant) : parameters[i]);
            }
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
