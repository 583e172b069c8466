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
import org.portalsync.reconciliation.ReconciliationStore;

/**
 * {@code GET /console/reconciliation}: the latest appointment reconciliation runs with their counts, and the
 * discrepancies of the latest (kind, appointment, field, repaired); the values themselves are in the API's report
 * and the daily digest, not on this page.
 */
public final class ShowConsoleReconciliation implements Processor {

    private final PortalDatabase database;
    private final ReconciliationStore store;
    private final String source;
    private final ZoneId zone;

    public ShowConsoleReconciliation(PortalDatabase database, ReconciliationStore store, String source, ZoneId zone) {
        this.database = database;
        this.store = store;
        this.source = source;
        this.zone = zone;
    }

    @Override
    public void process(Exchange exchange) {
        List<List<String>> runs = database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT started_at, window_start, window_end, status, ehr_appointments,"
                    + " portal_appointments, missing_in_portal, missing_in_ehr, field_differs, patient_differs, unreadable, repaired, failure"
                    + " FROM reconciliation_run WHERE source = ? ORDER BY started_at DESC, id DESC")) {
                select.setString(1, source);
                select.setMaxRows(10);
                List<List<String>> rows = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        String status = row.getString("status");
                        rows.add(List.of(Html.time(instant(row, "started_at"), zone), Html.time(instant(row, "window_start"), zone) + " &ndash; "
                                + Html.time(instant(row, "window_end"), zone), Html.badge("completed".equals(status) ? "ok" : "failed".equals(status)
                                        ? "bad" : "warn", status) + (row.getString("failure") == null ? "" : " " + Html.escape(row.getString("failure"))),
                                row.getInt("ehr_appointments") + " / " + row.getInt("portal_appointments"),
                                String.valueOf(row.getInt("missing_in_portal")), String.valueOf(row.getInt("missing_in_ehr")),
                                String.valueOf(row.getInt("field_differs")), String.valueOf(row.getInt("patient_differs")),
                                String.valueOf(row.getInt("unreadable")), String.valueOf(row.getInt("repaired"))));
                    }
                }
                return rows;
            }
        });
        List<List<String>> discrepancies = new ArrayList<>();
        store.latest(source).ifPresent(run -> {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> found = (List<Map<String, Object>>) run.get("discrepancies");
            for (Map<String, Object> discrepancy : found) {
                discrepancies.add(List.of(Html.escape(discrepancy.get("kind")), "Appointment/" + Html.escape(discrepancy.get("appointment")),
                        Html.escape(discrepancy.get("field")), Boolean.TRUE.equals(discrepancy.get("repaired")) ? "yes" : "no"));
            }
        });
        String body = Html.table("runs", List.of("started", "window", "status", "EHR / portal", "missing in portal", "missing in EHR",
                "field differs", "patient differs", "unreadable", "repaired"), runs, "No reconciliation has run yet.")
                + "<h2>Discrepancies of the latest run</h2>"
                + Html.table("discrepancies", List.of("kind", "appointment", "field", "repaired"), discrepancies, "None.");
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Reconciliation", ConsoleHttp.session(exchange), body));
    }

    private static Instant instant(ResultSet row, String column) throws java.sql.SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
