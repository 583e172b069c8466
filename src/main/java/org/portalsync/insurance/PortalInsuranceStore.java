package org.portalsync.insurance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.portal.PortalDatabase;

/** The portal's insurance policies ({@code portal_insurance}): one row per Coverage of a patient. */
public final class PortalInsuranceStore {

    /** A policy as the portal holds it. */
    public record StoredInsurance(long id, long patientId, String sourceId, String sourceVersion, Instant sourceLastUpdated,
            InsurancePolicy policy, FieldProvenance provenance, Instant deletedAt) {

        public String reference() {
            return sourceId == null ? "portal_insurance/" + id : "Coverage/" + sourceId;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static final String COLUMNS = "id, patient_id, source_id, source_version, source_last_updated, payer, payer_reference, member_id,"
            + " group_number, group_name, subscriber_name, relationship, period_start, period_end, status, field_provenance, deleted_at";

    /** Locks and reads the policy of one Coverage. */
    public Optional<StoredInsurance> findForUpdate(Connection connection, String source, String coverageId) throws SQLException {
        return one(connection, "SELECT " + COLUMNS + " FROM portal_insurance WHERE source = ? AND source_id = ? FOR UPDATE", source, coverageId);
    }

    /** Locks and reads one policy by its portal id. */
    public Optional<StoredInsurance> findForUpdate(Connection connection, long id) throws SQLException {
        return one(connection, "SELECT " + COLUMNS + " FROM portal_insurance WHERE id = ? FOR UPDATE", id);
    }

    /** @return the policies of a patient that the EHR has not deleted, oldest first */
    public List<StoredInsurance> ofPatient(Connection connection, long patientId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM portal_insurance WHERE patient_id = ? AND deleted_at IS NULL ORDER BY id")) {
            select.setLong(1, patientId);
            List<StoredInsurance> policies = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    policies.add(read(row));
                }
            }
            return policies;
        }
    }

    public long insert(Connection connection, long patientId, String source, String coverageId, String version, Instant lastUpdated,
            InsurancePolicy policy, FieldProvenance provenance, Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO portal_insurance (patient_id, source, source_id, source_version,"
                + " source_last_updated, payer, payer_reference, member_id, group_number, group_name, subscriber_name, relationship, period_start,"
                + " period_end, status, field_provenance, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setLong(1, patientId);
            insert.setString(2, source);
            insert.setString(3, coverageId);
            insert.setString(4, version);
            insert.setObject(5, lastUpdated == null ? null : PortalDatabase.utc(lastUpdated), Types.TIMESTAMP_WITH_TIMEZONE);
            setPolicy(insert, 6, policy);
            insert.setString(16, toJson(provenance));
            insert.setObject(17, PortalDatabase.utc(now));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /** Writes a policy's value, its EHR version and provenance; the EHR's id too, once a policy the portal added exists there. */
    public void update(Connection connection, long id, String coverageId, String version, Instant lastUpdated, InsurancePolicy policy,
            FieldProvenance provenance, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_insurance SET source_id = ?, source_version = ?,"
                + " source_last_updated = ?, payer = ?, payer_reference = ?, member_id = ?, group_number = ?, group_name = ?, subscriber_name = ?,"
                + " relationship = ?, period_start = ?, period_end = ?, status = ?, field_provenance = ?, updated_at = ? WHERE id = ?")) {
            update.setString(1, coverageId);
            update.setString(2, version);
            update.setObject(3, lastUpdated == null ? null : PortalDatabase.utc(lastUpdated), Types.TIMESTAMP_WITH_TIMEZONE);
            setPolicy(update, 4, policy);
            update.setString(14, toJson(provenance));
            update.setObject(15, PortalDatabase.utc(now));
            update.setLong(16, id);
            update.executeUpdate();
        }
    }

    /** The EHR deleted the Coverage: out of the patient's view, kept for history. */
    public void markDeleted(Connection connection, long id, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_insurance SET deleted_at = ?, updated_at = ? WHERE id = ?")) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setObject(2, PortalDatabase.utc(now));
            update.setLong(3, id);
            update.executeUpdate();
        }
    }

    private static void setPolicy(PreparedStatement statement, int first, InsurancePolicy policy) throws SQLException {
        statement.setString(first, policy.payer());
        statement.setString(first + 1, policy.payerReference());
        statement.setString(first + 2, policy.memberId());
        statement.setString(first + 3, policy.groupNumber());
        statement.setString(first + 4, policy.groupName());
        statement.setString(first + 5, policy.subscriberName());
        statement.setString(first + 6, policy.relationship());
        statement.setObject(first + 7, policy.periodStart(), Types.DATE);
        statement.setObject(first + 8, policy.periodEnd(), Types.DATE);
        statement.setString(first + 9, policy.status());
    }

    private static Optional<StoredInsurance> one(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setObject(i + 1, parameters[i]);
            }
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(read(row)) : Optional.empty();
            }
        }
    }

    private static StoredInsurance read(ResultSet row) throws SQLException {
        InsurancePolicy policy = new InsurancePolicy(row.getString("payer"), row.getString("payer_reference"), row.getString("member_id"),
                row.getString("group_number"), row.getString("group_name"), row.getString("subscriber_name"), row.getString("relationship"),
                row.getObject("period_start", LocalDate.class), row.getObject("period_end", LocalDate.class), row.getString("status"));
        return new StoredInsurance(row.getLong("id"), row.getLong("patient_id"), row.getString("source_id"), row.getString("source_version"),
                instant(row, "source_last_updated"), policy, fromJson(row.getString("field_provenance")), instant(row, "deleted_at"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static String toJson(FieldProvenance provenance) {
        try {
            return JSON.writeValueAsString(provenance);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("provenance is not serialisable", e);
        }
    }

    private static FieldProvenance fromJson(String json) {
        try {
            return json == null ? new FieldProvenance(null, null, null, null) : JSON.readValue(json, FieldProvenance.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("portal_insurance.field_provenance is not valid JSON", e);
        }
    }
}
