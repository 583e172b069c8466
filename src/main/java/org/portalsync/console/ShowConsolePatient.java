package org.portalsync.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.PortalPatientStore.StoredPatient;
import org.portalsync.writeback.ShowPatientAuthority;

/**
 * {@code GET /console/patients/<portal id>}: one patient's sync status (last successful sync, pending changes,
 * last error), its dead letters (with replay for operators), the provenance of each field (which system set it,
 * when, from which EHR version) and the conflicts the authority rules resolved, without the values not kept.
 * Each view leaves an audit row naming the record.
 */
public final class ShowConsolePatient implements Processor {

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final ShowPatientAuthority authority;
    private final ConsoleDeadLetters deadLetters;
    private final ConsoleAudit audit;
    private final ZoneId zone;

    public ShowConsolePatient(PortalDatabase database, PortalPatientStore patients, ShowPatientAuthority authority, ConsoleDeadLetters deadLetters,
            ConsoleAudit audit, ZoneId zone) {
        this.database = database;
        this.patients = patients;
        this.authority = authority;
        this.deadLetters = deadLetters;
        this.audit = audit;
        this.zone = zone;
    }

    private record Status(Instant lastAttempt, Instant lastSuccess, boolean pending, String lastError, Instant lastErrorAt) {
    }

    @Override
    public void process(Exchange exchange) {
        Object id = exchange.getIn().getHeader("id");
        if (!(id instanceof String text) || !text.matches("\\d{1,18}")) {
            throw ConsoleRefusal.status(404, "No such patient in the portal.");
        }
        long portalId = Long.parseLong(text);
        ConsoleSession session = ConsoleHttp.session(exchange);
        StringBuilder body = new StringBuilder(ActionNotice.of(exchange));
        String record = database.inTransaction(connection -> {
            String source;
            String sourceId;
            try (PreparedStatement select = connection.prepareStatement("SELECT source, source_id FROM portal_patient WHERE id = ?")) {
                select.setLong(1, portalId);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return null;
                    }
                    source = row.getString(1);
                    sourceId = row.getString(2);
                }
            }
            StoredPatient stored = patients.find(connection, source, sourceId).orElseThrow();
            Status status = status(connection, source, sourceId);
            var patient = stored.patient();
            String name = SearchConsolePatients.name(patient.displayName(), patient.legalName() == null ? null : patient.legalName().given(),
                    patient.legalName() == null ? null : patient.legalName().family());
            body.append("<dl class=\"patient\"><div><dt>Name</dt><dd>").append(Html.escape(name)).append("</dd></div>")
                    .append("<div><dt>MRN</dt><dd>").append(Html.escape(patient.mrn())).append("</dd></div>")
                    .append("<div><dt>EHR record</dt><dd>").append(Html.escape(source)).append(" Patient/").append(Html.escape(sourceId))
                    .append(", version ").append(Html.escape(patient.sourceVersion())).append(patient.archived() ? " (archived)" : "").append("</dd></div></dl>");
            body.append("<h2>Sync status</h2><dl class=\"status\"><div><dt>Status</dt><dd id=\"sync-status\">")
                    .append(status == null ? Html.badge("muted", "unknown") : statusBadge(status.pending())).append("</dd></div>")
                    .append("<div><dt>Last successful sync</dt><dd>").append(Html.time(status == null ? null : status.lastSuccess(), zone)).append("</dd></div>")
                    .append("<div><dt>Pending changes</dt><dd>").append(status != null && status.pending() ? "yes" : "no").append("</dd></div>")
                    .append("<div><dt>Last error</dt><dd>").append(status == null || status.lastError() == null ? "none"
                            : (status.pending() ? "" : "(since synced) ") + Html.escape(status.lastError()) + " (" + Html.time(status.lastErrorAt(), zone)
                                    + ")").append("</dd></div></dl>");
            body.append("<h2>Dead letters</h2>").append(DeadLetterTable.render(deadLetters.ofRecord(source, "Patient/" + sourceId, 20), session,
                    deadLetters, PatientLinks.page(portalId), zone, letter -> null));
            List<List<String>> fields = new ArrayList<>();
            for (Map<String, Object> field : authority.fields(stored)) {
                fields.add(List.of(Html.escape(field.get("field")), Html.escape(field.get("rule")), Html.escape(field.get("set_by")),
                        Html.time(field.get("set_at") == null ? null : Instant.parse((String) field.get("set_at")), zone),
                        Html.escape(field.get("ehr_version")), Boolean.TRUE.equals(field.get("ehr_lacks_portal_value")) ? "yes" : "no"));
            }
            body.append("<h2>Field provenance</h2>").append(Html.table("provenance",
                    List.of("field", "rule", "set by", "set at", "EHR version", "EHR lacks the portal's value"), fields, "No fields."));
            List<List<String>> conflicts = new ArrayList<>();
            for (Map<String, Object> conflict : ShowPatientAuthority.conflicts(connection, portalId)) {
                conflicts.add(List.of(Html.escape(conflict.get("field")), Html.time(Instant.parse((String) conflict.get("detected_at")), zone),
                        Html.escape(conflict.get("kept")), Html.escape(conflict.get("discarded")), Html.escape(conflict.get("reason"))));
            }
            body.append("<h2>Conflicts resolved</h2>").append(Html.table("conflicts", List.of("field", "detected", "kept", "not kept", "reason"),
                    conflicts, "No conflicts."));
            return source + "/Patient/" + sourceId;
        });
        if (record == null) {
            throw ConsoleRefusal.status(404, "No such patient in the portal.");
        }
        audit.record(exchange, "Console view patient", record, "shown");
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Patient", session, body.toString()));
    }

    private static Status status(java.sql.Connection connection, String source, String sourceId) throws java.sql.SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT last_attempt_at, last_success_at, pending_changes, last_error,"
                + " last_error_at FROM patient_sync_status WHERE source = ? AND source_id = ?")) {
            select.setString(1, source);
            select.setString(2, sourceId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                return new Status(instant(row, 1), instant(row, 2), row.getBoolean(3), row.getString(4), instant(row, 5));
            }
        }
    }

    private static Instant instant(ResultSet row, int column) throws java.sql.SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static String statusBadge(Boolean pending) {
        if (pending == null) {
            return Html.badge("muted", "unknown");
        }
        return pending ? Html.badge("bad", "pending") : Html.badge("ok", "in sync");
    }
}
