package org.portalsync.writeback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.Initiator;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.portal.PortalDatabase;

/**
 * The {@code portal_change} outbox: changes the portal submitted, stored before they are acknowledged
 * and worked off by {@code routes/portal-change-write-back.yaml}. A worker claims a change for a lease,
 * so that two instances (or the API's immediate hand-over and the sweep) never work on one change at
 * once, and a change whose worker died is taken up again when its lease ends.
 */
public final class PortalChangeStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The changes due now and not held by a worker, oldest first: every sweep runs it (ix_portal_change_due). */
    public static final String DUE_SQL = "SELECT id FROM portal_change WHERE status IN ('PENDING', 'WRITING_BACK') AND next_attempt_at <= ?"
            + " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY id";

    private final PortalDatabase database;

    public PortalChangeStore(PortalDatabase database) {
        this.database = database;
    }

    /** @return the new change's id */
    public long submit(Connection connection, String clientId, String changeKey, String requestHash, long patientId, Initiator initiator,
            Map<AuthorityField, Object> values, Instant submittedAt, Instant now) throws SQLException {
        return insert(connection, clientId, changeKey, requestHash, patientId, initiator, valuesJson(values), submittedAt, now, null, null);
    }

    /**
     * Stores a change of an appointment (a booking: of the patient, {@code appointmentId} null until it exists).
     *
     * @return the new change's id
     */
    public long submitAppointment(Connection connection, String clientId, String changeKey, String requestHash, long patientId,
            Long appointmentId, Initiator initiator, AppointmentChange change, Instant submittedAt, Instant now) throws SQLException {
        return insert(connection, clientId, changeKey, requestHash, patientId, initiator, change.toJson(), submittedAt, now, appointmentId,
                change.action().configName());
    }

    private static long insert(Connection connection, String clientId, String changeKey, String requestHash, long patientId, Initiator initiator,
            String fieldValues, Instant submittedAt, Instant now, Long appointmentId, String appointmentAction) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_change (client_id, change_key, request_hash, patient_id, initiated_by, field_values, submitted_at,"
                        + " status, next_attempt_at, updated_at, appointment_id, appointment_action)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, clientId);
            insert.setString(2, changeKey);
            insert.setString(3, requestHash);
            insert.setLong(4, patientId);
            insert.setString(5, initiator.configName());
            insert.setString(6, fieldValues);
            insert.setObject(7, PortalDatabase.utc(submittedAt));
            insert.setObject(8, PortalDatabase.utc(now));
            insert.setObject(9, PortalDatabase.utc(now));
            insert.setObject(10, appointmentId, java.sql.Types.BIGINT);
            insert.setString(11, appointmentAction);
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Replaces what an appointment change asks for (a booking gets its key at the EHR before it is written). */
    public void setAppointmentChange(Connection connection, long changeId, AppointmentChange change) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_change SET field_values = ? WHERE id = ?")) {
            update.setString(1, change.toJson());
            update.setLong(2, changeId);
            update.executeUpdate();
        }
    }

    /** Names the appointment a change applies to (a booking has its row only once the EHR created the Appointment). */
    public void setAppointment(Connection connection, long changeId, long appointmentId) throws SQLException {
        setReference(connection, "appointment_id", changeId, appointmentId);
    }

    /** @return the portal appointment a change applies to, once known */
    public Optional<Long> appointmentOf(Connection connection, long changeId) throws SQLException {
        return reference(connection, "appointment_id", changeId);
    }

    /** The engine's own client id, for write-backs it asks for itself (a portal value kept against an EHR change). */
    public static final String ENGINE_CLIENT = "engine";

    /**
     * Asks for the portal's values of a patient to be written to the EHR again, once per EHR version that
     * conflicted with them: a change with no values of its own, already applied in the portal.
     */
    public void requestWriteBack(Connection connection, long patientId, String ehrVersion, Instant now) throws SQLException {
        String key = "ehr-conflict/" + patientId + "/" + ehrVersion;
        if (findByKey(connection, ENGINE_CLIENT, key).isPresent()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_change (client_id, change_key, request_hash, patient_id, initiated_by, field_values, submitted_at,"
                        + " status, next_attempt_at, updated_at) VALUES (?, ?, '-', ?, 'engine', '{}', ?, 'WRITING_BACK', ?, ?)")) {
            insert.setString(1, ENGINE_CLIENT);
            insert.setString(2, key);
            insert.setLong(3, patientId);
            insert.setObject(4, PortalDatabase.utc(now));
            insert.setObject(5, PortalDatabase.utc(now));
            insert.setObject(6, PortalDatabase.utc(now));
            insert.executeUpdate();
        }
    }

    /** Names the insurance policy a change applies to (a new policy has its row only once the change is applied). */
    public void setInsurance(Connection connection, long changeId, long insuranceId) throws SQLException {
        setReference(connection, "insurance_id", changeId, insuranceId);
    }

    /** @param column a column of this class's own, never a caller's text */
    private static void setReference(Connection connection, String column, long changeId, long id) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_change SET " + column + " = ? WHERE id = ?")) {
            update.setLong(1, id);
            update.setLong(2, changeId);
            update.executeUpdate();
        }
    }

    /** @return the insurance policy a change applies to, once applied */
    public Optional<Long> insuranceOf(Connection connection, long changeId) throws SQLException {
        return reference(connection, "insurance_id", changeId);
    }

    /** @param column a reference column of portal_change: insurance_id or appointment_id */
    private static Optional<Long> reference(Connection connection, String column, long changeId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT " + column + " FROM portal_change WHERE id = ?")) {
            select.setLong(1, changeId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                long id = row.getLong(1);
                return row.wasNull() ? Optional.empty() : Optional.of(id);
            }
        }
    }

    /** @return the field values as the {@code field_values} column holds them: JSON keyed by field name */
    public static String valuesJson(Map<AuthorityField, Object> values) {
        ObjectNode root = JSON.createObjectNode();
        values.forEach((field, value) -> root.set(field.configName(), PatientFieldValues.toJson(value)));
        return root.toString();
    }

    /** Claims a change that is due and not held by another worker. @return true when this worker now holds it */
    public boolean claim(long id, Instant now, Duration lease) {
        return database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE portal_change SET claimed_until = ? WHERE id = ? AND status IN ('PENDING', 'WRITING_BACK')"
                            + " AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)")) {
                update.setObject(1, PortalDatabase.utc(now.plus(lease)));
                update.setLong(2, id);
                update.setObject(3, PortalDatabase.utc(now));
                update.setObject(4, PortalDatabase.utc(now));
                return update.executeUpdate() == 1;
            }
        });
    }

    /** @return ids of changes due now and not held, oldest first */
    public List<Long> due(Instant now, int limit) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(DUE_SQL)) {
                select.setObject(1, PortalDatabase.utc(now));
                select.setObject(2, PortalDatabase.utc(now));
                select.setMaxRows(limit);
                List<Long> ids = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                    }
                }
                return ids;
            }
        });
    }

    public PortalChange load(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT client_id, change_key, patient_id, initiated_by, field_values, submitted_at, status, attempts, appointment_action"
                        + " FROM portal_change WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalStateException("no portal change " + id);
                }
                Map<AuthorityField, Object> values = new EnumMap<>(AuthorityField.class);
                AppointmentChange appointment = row.getString("appointment_action") == null ? null
                        : AppointmentChange.fromJson(id, row.getString("field_values"));
                if (appointment != null) {
                    return new PortalChange(id, row.getString("client_id"), row.getString("change_key"), row.getLong("patient_id"),
                            Initiator.byConfigName(row.getString("initiated_by")).orElse(null), values,
                            PortalDatabase.instant(row.getObject("submitted_at", OffsetDateTime.class)),
                            PortalChange.Status.valueOf(row.getString("status")), row.getInt("attempts"), appointment);
                }
                JsonNode json;
                try {
                    json = JSON.readTree(row.getString("field_values"));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("portal_change " + id + ": field_values is not JSON", e);
                }
                json.fields().forEachRemaining(entry -> {
                    AuthorityField field = AuthorityField.byName(AuthorityField.Entity.PATIENT, entry.getKey())
                            .orElseThrow(() -> new IllegalArgumentException("portal_change " + id + ": unknown field " + entry.getKey()));
                    values.put(field, PatientFieldValues.fromJson(field, entry.getValue()));
                });
                return new PortalChange(id, row.getString("client_id"), row.getString("change_key"), row.getLong("patient_id"),
                        Initiator.byConfigName(row.getString("initiated_by")).orElse(null),
                        values, PortalDatabase.instant(row.getObject("submitted_at", OffsetDateTime.class)),
                        PortalChange.Status.valueOf(row.getString("status")), row.getInt("attempts"), null);
            }
        }
    }

    /** Moves a change on, keeping the claim (a change still WRITING_BACK stays with its worker). */
    public void advance(Connection connection, long id, PortalChange.Status status, String fieldOutcomes, String patientMessage, Instant now)
            throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE portal_change SET status = ?, field_outcomes = COALESCE(?, field_outcomes), patient_message = ?, updated_at = ? WHERE id = ?")) {
            update.setString(1, status.name());
            update.setString(2, fieldOutcomes);
            update.setString(3, patientMessage);
            update.setObject(4, PortalDatabase.utc(now));
            update.setLong(5, id);
            update.executeUpdate();
        }
    }

    /** Ends a change's way (DONE, SUPERSEDED or FAILED) and releases it. */
    public void finish(long id, PortalChange.Status status, String ehrVersion, String error, String patientMessage, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE portal_change SET status = ?, ehr_version = COALESCE(?, ehr_version), error = ?, patient_message = ?,"
                            + " claimed_until = NULL, updated_at = ? WHERE id = ?")) {
                update.setString(1, status.name());
                update.setString(2, ehrVersion);
                update.setString(3, error);
                update.setString(4, patientMessage);
                update.setObject(5, PortalDatabase.utc(now));
                update.setLong(6, id);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** The EHR could not be reached: try again at {@code nextAttempt}, released for any worker. */
    public void retryLater(long id, int attempts, Instant nextAttempt, String error, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE portal_change SET attempts = ?, next_attempt_at = ?, error = ?, claimed_until = NULL, updated_at = ? WHERE id = ?")) {
                update.setInt(1, attempts);
                update.setObject(2, PortalDatabase.utc(nextAttempt));
                update.setString(3, error);
                update.setObject(4, PortalDatabase.utc(now));
                update.setLong(5, id);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** @return the change a client submitted under its key: id and the hash of the request it came with */
    public Optional<Map.Entry<Long, String>> findByKey(Connection connection, String clientId, String changeKey) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, request_hash FROM portal_change WHERE client_id = ? AND change_key = ?")) {
            select.setString(1, clientId);
            select.setString(2, changeKey);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(Map.entry(row.getLong(1), row.getString(2))) : Optional.empty();
            }
        }
    }
}
