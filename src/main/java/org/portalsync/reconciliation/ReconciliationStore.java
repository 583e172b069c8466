package org.portalsync.reconciliation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.portalsync.portal.PortalDatabase;

/** The reconciliation's runs and what they found ({@code reconciliation_run}, {@code reconciliation_discrepancy}). */
public final class ReconciliationStore {

    /** The counts of one run, as its row keeps them. */
    public record Counts(int ehrAppointments, int portalAppointments, int unreadable, int missingInPortal, int missingInEhr, int fieldDiffers,
            int patientDiffers, int repaired, int deferredApplied) {
    }

    private static final String COUNTS = "ehr_appointments, portal_appointments, unreadable, missing_in_portal, missing_in_ehr, field_differs,"
            + " patient_differs, repaired, deferred_applied";

    private final PortalDatabase database;

    public ReconciliationStore(PortalDatabase database) {
        this.database = database;
    }

    public long open(String source, ReconciliationWindow window, boolean repair, Instant now) {
        return database.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO reconciliation_run (source, started_at, window_start,"
                    + " window_end, window_zone, status, repair) VALUES (?, ?, ?, ?, ?, 'running', ?)", Statement.RETURN_GENERATED_KEYS)) {
                insert.setString(1, source);
                setInstant(insert, 2, now);
                setInstant(insert, 3, window.start());
                setInstant(insert, 4, window.end());
                insert.setString(5, window.zone().getId());
                insert.setBoolean(6, repair);
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    keys.next();
                    return keys.getLong(1);
                }
            }
        });
    }

    /** @return the discrepancies' ids, in their order */
    public List<Long> record(long runId, Collection<Discrepancy> discrepancies) {
        return database.inTransaction(connection -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO reconciliation_discrepancy (run_id, appointment_source_id,"
                    + " portal_appointment_id, kind, field, ehr_value, portal_value, repaired, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                for (Discrepancy d : discrepancies) {
                    insert.setLong(1, runId);
                    insert.setString(2, d.appointmentId());
                    insert.setObject(3, d.portalAppointmentId(), Types.BIGINT);
                    insert.setString(4, d.kind().configName());
                    insert.setString(5, d.field());
                    insert.setString(6, clip(d.ehrValue()));
                    insert.setString(7, clip(d.portalValue()));
                    insert.setBoolean(8, d.kind() == DiscrepancyKind.DEFERRED_APPLIED);
                    insert.setString(9, d.note());
                    insert.executeUpdate();
                    try (ResultSet keys = insert.getGeneratedKeys()) {
                        keys.next();
                        ids.add(keys.getLong(1));
                    }
                }
            }
            return ids;
        });
    }

    public void markRepaired(Collection<Long> discrepancyIds) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE reconciliation_discrepancy SET repaired = TRUE, note = NULL WHERE id = ?")) {
                for (long id : discrepancyIds) {
                    update.setLong(1, id);
                    update.executeUpdate();
                }
            }
            return null;
        });
    }

    /** @param failure the failure's type, null for a run that completed */
    public void finish(long runId, Counts counts, String failure, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE reconciliation_run SET finished_at = ?, status = ?, failure = ?,"
                    + " ehr_appointments = ?, portal_appointments = ?, unreadable = ?, missing_in_portal = ?, missing_in_ehr = ?, field_differs = ?,"
                    + " patient_differs = ?, repaired = ?, deferred_applied = ? WHERE id = ?")) {
                setInstant(update, 1, now);
                update.setString(2, failure == null ? "completed" : "failed");
                update.setString(3, failure);
                int i = 4;
                for (int value : new int[] {counts.ehrAppointments(), counts.portalAppointments(), counts.unreadable(), counts.missingInPortal(),
                    counts.missingInEhr(), counts.fieldDiffers(), counts.patientDiffers(), counts.repaired(), counts.deferredApplied()}) {
                    update.setInt(i++, value);
                }
                update.setLong(i, runId);
                update.executeUpdate();
            }
            return null;
        });
    }

    /**
     * The latest run (by start) and its rows, as the API shows them: the run's counts and window, and each row.
     *
     * @return empty before the first run
     */
    public Optional<Map<String, Object>> latest(String source) {
        return database.inTransaction(connection -> {
            Map<String, Object> run;
            try (PreparedStatement select = connection.prepareStatement("SELECT id, started_at, finished_at, window_start, window_end, window_zone,"
                    + " status, repair, failure, " + COUNTS + " FROM reconciliation_run WHERE source = ? ORDER BY started_at DESC, id DESC")) {
                select.setString(1, source);
                select.setMaxRows(1);
                List<Map<String, Object>> rows = rows(select);
                if (rows.isEmpty()) {
                    return Optional.empty();
                }
                run = rows.get(0);
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT id, appointment_source_id AS appointment, portal_appointment_id,"
                    + " kind, field, ehr_value, portal_value, repaired, note, resolved_at FROM reconciliation_discrepancy WHERE run_id = ? ORDER BY id")) {
                select.setLong(1, ((Number) run.get("id")).longValue());
                run.put("discrepancies", rows(select));
            }
            return Optional.of(run);
        });
    }

    private static List<Map<String, Object>> rows(PreparedStatement select) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ResultSet row = select.executeQuery()) {
            int columns = row.getMetaData().getColumnCount();
            while (row.next()) {
                Map<String, Object> values = new LinkedHashMap<>();
                for (int c = 1; c <= columns; c++) {
                    Object value = row.getObject(c);
                    if (value instanceof OffsetDateTime time) {
                        value = time.toInstant().toString();
                    }
                    values.put(row.getMetaData().getColumnLabel(c).toLowerCase(java.util.Locale.ROOT), value);
                }
                rows.add(values);
            }
        }
        return rows;
    }

    /** @return the portal patients' EHR ids, by their portal ids */
    public Map<Long, String> patientIds(Connection connection, Collection<Long> portalPatientIds) throws SQLException {
        Map<Long, String> ids = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT source_id FROM portal_patient WHERE id = ?")) {
            for (long id : portalPatientIds) {
                if (!ids.containsKey(id)) {
                    select.setLong(1, id);
                    try (ResultSet row = select.executeQuery()) {
                        ids.put(id, row.next() ? row.getString(1) : null);
                    }
                }
            }
        }
        return ids;
    }

    private static String clip(String value) {
        return value == null || value.length() <= 2000 ? value : value.substring(0, 1999) + "…";
    }

    private static void setInstant(PreparedStatement statement, int index, Instant instant) throws SQLException {
        statement.setObject(index, instant == null ? null : PortalDatabase.utc(instant), Types.TIMESTAMP_WITH_TIMEZONE);
    }
}
