package org.portalsync.appointment;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.portalsync.appointment.AppointmentDetails.Participant;
import org.portalsync.appointment.AppointmentDetails.Reason;
import org.portalsync.portal.PortalDatabase;

/** The portal's appointments ({@code portal_appointment}): one row per Appointment at the EHR. */
public final class PortalAppointmentStore {

    /** An appointment as the portal holds it. */
    public record StoredAppointment(long id, long patientId, String sourceId, String sourceVersion, Instant sourceLastUpdated,
            AppointmentDetails details, AppointmentProvenance provenance, Instant deletedAt) {
    }

    /** The lookup of every delivery: served by {@code uq_portal_appointment_source}. */
    public static final String FIND_SQL = "SELECT id, patient_id, source_id, source_version, source_last_updated, start_at, end_at, zone,"
            + " status, cancellation_reason, reason_text, reason_code, notes, provider_reference, provider_name, location_reference,"
            + " location_name, field_provenance, deleted_at FROM portal_appointment WHERE source = ? AND source_id = ?";

    private static final String DETAILS = "start_at = ?, end_at = ?, zone = ?, status = ?, cancellation_reason = ?, reason_text = ?,"
            + " reason_code = ?, notes = ?, provider_reference = ?, provider_name = ?, location_reference = ?, location_name = ?";

    /** Locks and reads the portal's row of one Appointment. */
    public Optional<StoredAppointment> findForUpdate(Connection connection, String source, String appointmentId) throws SQLException {
        // a short statement locks, a cached one reads: H2 parses every SELECT ... FOR UPDATE anew
        try (PreparedStatement lock = connection.prepareStatement("SELECT id FROM portal_appointment WHERE source = ? AND source_id = ? FOR UPDATE")) {
            lock.setString(1, source);
            lock.setString(2, appointmentId);
            try (ResultSet row = lock.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
            }
        }
        try (PreparedStatement select = connection.prepareStatement(FIND_SQL)) {
            select.setString(1, source);
            select.setString(2, appointmentId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    /**
     * The appointments patients see (not deleted) that start in {@code [from, to)}: the portal's side of the daily
     * reconciliation, served by {@code ix_portal_appointment_start}.
     */
    public List<StoredAppointment> startingBetween(Connection connection, String source, Instant from, Instant to) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(FIND_SQL.replace("WHERE source = ? AND source_id = ?",
                "WHERE start_at >= ? AND start_at < ? AND source = ? AND deleted_at IS NULL ORDER BY start_at, id"))) {
            setInstant(select, 1, from);
            setInstant(select, 2, to);
            select.setString(3, source);
            return readAll(select);
        }
    }

    /** The portal's rows of these Appointments, deleted ones too; an id the portal has no row of is left out. */
    public List<StoredAppointment> find(Connection connection, String source, Collection<String> appointmentIds) throws SQLException {
        List<StoredAppointment> found = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(FIND_SQL)) {
            for (String id : appointmentIds) {
                select.setString(1, source);
                select.setString(2, id);
                found.addAll(readAll(select));
            }
        }
        return found;
    }

    /** @return the Appointments with deferred EHR changes, by id, each to the names of its deferred fields */
    public Map<String, List<String>> withDeferredFields(Connection connection, String source) throws SQLException {
        Map<String, List<String>> deferred = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT source_id, deferred_fields FROM portal_appointment WHERE deferred_fields IS NOT NULL AND source = ? ORDER BY id")) {
            select.setString(1, source);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    deferred.put(row.getString(1), List.of(row.getString(2).split(",")));
                }
            }
        }
        return deferred;
    }

    private static List<StoredAppointment> readAll(PreparedStatement select) throws SQLException {
        List<StoredAppointment> rows = new ArrayList<>();
        try (ResultSet row = select.executeQuery()) {
            while (row.next()) {
                rows.add(read(row));
            }
        }
        return rows;
    }

    /** @param deletedAt set for an appointment that arrives already entered in error: kept for history, never shown */
    public long insert(Connection connection, long patientId, String source, MappedAppointment appointment, AppointmentProvenance provenance,
            Instant deletedAt, Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO portal_appointment (patient_id, source, source_id,"
                + " source_version, source_last_updated, start_at, end_at, zone, status, cancellation_reason, reason_text, reason_code, notes,"
                + " provider_reference, provider_name, location_reference, location_name, field_provenance, deleted_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setLong(1, patientId);
            insert.setString(2, source);
            insert.setString(3, appointment.appointmentId());
            insert.setString(4, appointment.versionId());
            setInstant(insert, 5, appointment.lastUpdated());
            setDetails(insert, 6, appointment.details());
            insert.setString(18, provenance.toJson());
            setInstant(insert, 19, deletedAt);
            setInstant(insert, 20, now);
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /**
     * Writes a newer EHR version: the merged value, its provenance, and whether the patient sees it.
     *
     * @param patientId the patient the EHR now gives it (an appointment moved to another patient's record follows it)
     */
    public void update(Connection connection, long id, long patientId, String version, Instant lastUpdated, AppointmentDetails details,
            AppointmentProvenance provenance, Instant deletedAt, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_appointment SET patient_id = ?, source_version = ?,"
                + " source_last_updated = ?, " + DETAILS + ", field_provenance = ?, deleted_at = ?, updated_at = ? WHERE id = ?")) {
            update.setLong(1, patientId);
            update.setString(2, version);
            setInstant(update, 3, lastUpdated);
            setDetails(update, 4, details);
            update.setString(16, provenance.toJson());
            setInstant(update, 17, deletedAt);
            setInstant(update, 18, now);
            update.setLong(19, id);
            update.executeUpdate();
        }
    }

    /** Moves every appointment of a merged patient to the patient that replaced it. @return how many moved */
    public int moveToPatient(Connection connection, long fromPatientId, long toPatientId, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_appointment SET patient_id = ?, updated_at = ? WHERE patient_id = ?")) {
            update.setLong(1, toPatientId);
            update.setObject(2, PortalDatabase.utc(now));
            update.setLong(3, fromPatientId);
            return update.executeUpdate();
        }
    }

    /**
     * The EHR deleted the Appointment: out of the patient's view, kept for history, with the version that deleted it.
     *
     * @param version     the deletion's version, null when unknown (a read answered 410)
     * @param lastUpdated the deletion's time as the portal's source version (a late page with an older version must not
     *                    bring the appointment back); null keeps the version held (a deletion the source never dated)
     * @param deletedAt   when the EHR deleted it
     */
    public void markDeleted(Connection connection, long id, String version, Instant lastUpdated, Instant deletedAt, Instant now)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE portal_appointment SET deleted_at = ?, source_version = COALESCE(?, source_version),"
                        + " source_last_updated = COALESCE(?, source_last_updated), updated_at = ? WHERE id = ?")) {
            setInstant(update, 1, deletedAt);
            update.setString(2, version);
            setInstant(update, 3, lastUpdated);
            setInstant(update, 4, now);
            update.setLong(5, id);
            update.executeUpdate();
        }
    }

    /**
     * Names the fields whose latest EHR change waits for the nightly reconciliation (none: null).
     *
     * @param fields names as in {@code config/authority.yaml}
     */
    public void setDeferredFields(Connection connection, long id, Collection<String> fields) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_appointment SET deferred_fields = ? WHERE id = ?")) {
            update.setString(1, fields.isEmpty() ? null : String.join(",", fields));
            update.setLong(2, id);
            update.executeUpdate();
        }
    }

    private static void setDetails(PreparedStatement statement, int first, AppointmentDetails details) throws SQLException {
        setInstant(statement, first, details.start());
        setInstant(statement, first + 1, details.end());
        statement.setString(first + 2, details.zone());
        statement.setString(first + 3, details.status());
        statement.setString(first + 4, details.cancellationReason());
        statement.setString(first + 5, details.reason().text());
        statement.setString(first + 6, details.reason().code());
        statement.setString(first + 7, details.notes());
        statement.setString(first + 8, details.provider().reference());
        statement.setString(first + 9, details.provider().display());
        statement.setString(first + 10, details.location().reference());
        statement.setString(first + 11, details.location().display());
    }

    private static void setInstant(PreparedStatement statement, int index, Instant instant) throws SQLException {
        statement.setObject(index, instant == null ? null : PortalDatabase.utc(instant), Types.TIMESTAMP_WITH_TIMEZONE);
    }

    private static StoredAppointment read(ResultSet row) throws SQLException {
        AppointmentDetails details = new AppointmentDetails(instant(row, "start_at"), instant(row, "end_at"), row.getString("zone"),
                row.getString("status"), row.getString("cancellation_reason"),
                new Reason(row.getString("reason_text"), row.getString("reason_code")), row.getString("notes"),
                new Participant(row.getString("provider_reference"), row.getString("provider_name")),
                new Participant(row.getString("location_reference"), row.getString("location_name")));
        return new StoredAppointment(row.getLong("id"), row.getLong("patient_id"), row.getString("source_id"), row.getString("source_version"),
                instant(row, "source_last_updated"), details, AppointmentProvenance.fromJson(row.getString("field_provenance")),
                instant(row, "deleted_at"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
