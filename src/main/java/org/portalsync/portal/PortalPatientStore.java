package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes portal patients with their phones, emails, addresses and emergency contacts.
 * Every method takes the caller's connection: the caller owns the transaction, so a record and
 * everything that goes with it (status, audit row, outbox) commit together.
 */
public final class PortalPatientStore {

    /** A patient as stored, with its portal key. */
    public record StoredPatient(long id, PortalPatient patient) {
    }

    private final ZoneId facilityZone;

    public PortalPatientStore(ZoneId facilityZone) {
        this.facilityZone = facilityZone;
    }

    public Optional<StoredPatient> find(Connection connection, String source, String sourceId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, source_version, source_last_updated, mrn, legal_prefix, legal_given, legal_family, legal_suffix,"
                        + " preferred_prefix, preferred_given, preferred_family, preferred_suffix, birth_date, gender,"
                        + " preferred_language, archived, display_name FROM portal_patient WHERE source = ? AND source_id = ?")) {
            select.setString(1, source);
            select.setString(2, sourceId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                long id = row.getLong("id");
                OffsetDateTime lastUpdated = row.getObject("source_last_updated", OffsetDateTime.class);
                PortalPatient patient = new PortalPatient(source, sourceId, row.getString("source_version"),
                        PortalDatabase.instant(lastUpdated), row.getString("mrn"),
                        name(row.getString("legal_prefix"), row.getString("legal_given"), row.getString("legal_family"), row.getString("legal_suffix")),
                        name(row.getString("preferred_prefix"), row.getString("preferred_given"), row.getString("preferred_family"), row.getString("preferred_suffix")),
                        row.getObject("birth_date", LocalDate.class), row.getString("gender"), row.getString("preferred_language"),
                        row.getBoolean("archived"), telecoms(connection, id, "phone"), telecoms(connection, id, "email"),
                        addresses(connection, id), contacts(connection, id), row.getString("display_name"));
                return Optional.of(new StoredPatient(id, patient));
            }
        }
    }

    /** @return the new patient's portal id */
    public long insert(Connection connection, PortalPatient patient, Instant now) throws SQLException {
        long id;
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_patient (source, source_id, source_version, source_last_updated, source_zone, mrn,"
                        + " legal_prefix, legal_given, legal_family, legal_suffix, preferred_prefix, preferred_given,"
                        + " preferred_family, preferred_suffix, birth_date, gender, preferred_language, archived, display_name, archived_at,"
                        + " created_at, updated_at, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, patient.source());
            insert.setString(2, patient.sourceId());
            int next = setColumns(insert, 3, patient);
            insert.setObject(next, patient.archived() ? PortalDatabase.utc(now) : null);
            insert.setObject(next + 1, PortalDatabase.utc(now));
            insert.setObject(next + 2, PortalDatabase.utc(now));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
        }
        insertChildren(connection, id, patient);
        return id;
    }

    public void update(Connection connection, long id, PortalPatient patient, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE portal_patient SET source_version = ?, source_last_updated = ?, source_zone = ?, mrn = ?,"
                        + " legal_prefix = ?, legal_given = ?, legal_family = ?, legal_suffix = ?, preferred_prefix = ?,"
                        + " preferred_given = ?, preferred_family = ?, preferred_suffix = ?, birth_date = ?, gender = ?,"
                        + " preferred_language = ?, archived = ?, display_name = ?,"
                        + " archived_at = CASE WHEN ? THEN COALESCE(archived_at, ?) END,"
                        + " updated_at = ?, row_version = row_version + 1"
                        + " WHERE id = ?")) {
            int next = setColumns(update, 1, patient);
            update.setBoolean(next, patient.archived());
            update.setObject(next + 1, PortalDatabase.utc(now));
            update.setObject(next + 2, PortalDatabase.utc(now));
            update.setLong(next + 3, id);
            update.executeUpdate();
        }
        for (String table : List.of("portal_patient_telecom", "portal_patient_address", "portal_patient_contact")) {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE patient_id = ?")) {
                delete.setLong(1, id);
                delete.executeUpdate();
            }
        }
        insertChildren(connection, id, patient);
    }

    /** Marks a patient archived and keeps everything else: the source deleted it, the portal keeps the history. */
    public void archive(Connection connection, long id, String sourceVersion, Instant deletedAt, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE portal_patient SET archived = TRUE, archived_at = ?, source_version = COALESCE(?, source_version),"
                        + " source_last_updated = COALESCE(?, source_last_updated), updated_at = ?, row_version = row_version + 1 WHERE id = ?")) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setString(2, sourceVersion);
            update.setObject(3, PortalDatabase.utc(deletedAt));
            update.setObject(4, PortalDatabase.utc(now));
            update.setLong(5, id);
            update.executeUpdate();
        }
    }

    /** Sets source_version .. archived, display_name starting at {@code index}; returns the next free index. */
    private int setColumns(PreparedStatement statement, int index, PortalPatient patient) throws SQLException {
        int i = index;
        statement.setString(i++, patient.sourceVersion());
        statement.setObject(i++, PortalDatabase.utc(patient.sourceLastUpdated()));
        statement.setString(i++, facilityZone.getId());
        statement.setString(i++, patient.mrn());
        i = setName(statement, i, patient.legalName());
        i = setName(statement, i, patient.preferredName());
        statement.setObject(i++, patient.birthDate());
        statement.setString(i++, patient.gender());
        statement.setString(i++, patient.preferredLanguage());
        statement.setBoolean(i++, patient.archived());
        statement.setString(i++, patient.displayName());
        return i;
    }

    private static int setName(PreparedStatement statement, int index, PersonName name) throws SQLException {
        statement.setString(index, name == null ? null : name.prefix());
        statement.setString(index + 1, name == null ? null : name.given());
        statement.setString(index + 2, name == null ? null : name.family());
        statement.setString(index + 3, name == null ? null : name.suffix());
        return index + 4;
    }

    private void insertChildren(Connection connection, long id, PortalPatient patient) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_patient_telecom (patient_id, system, position, contact_value, use_code, rank_value) VALUES (?, ?, ?, ?, ?, ?)")) {
            addTelecoms(insert, id, "phone", patient.phones());
            addTelecoms(insert, id, "email", patient.emails());
            insert.executeBatch();
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_patient_address (patient_id, position, use_code, lines, city, state, postal_code, country,"
                        + " period_start, period_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int position = 0;
            for (PostalAddress address : patient.addresses()) {
                insert.setLong(1, id);
                insert.setInt(2, position++);
                insert.setString(3, address.use());
                insert.setString(4, address.lines().isEmpty() ? null : String.join("\n", address.lines()));
                insert.setString(5, address.city());
                insert.setString(6, address.state());
                insert.setString(7, address.postalCode());
                insert.setString(8, address.country());
                insert.setObject(9, address.periodStart());
                insert.setObject(10, address.periodEnd());
                insert.addBatch();
            }
            insert.executeBatch();
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_patient_contact (patient_id, position, relationship, prefix, given, family, suffix, phone, email)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int position = 0;
            for (EmergencyContact contact : patient.emergencyContacts()) {
                insert.setLong(1, id);
                insert.setInt(2, position++);
                insert.setString(3, contact.relationship());
                setName(insert, 4, contact.name());
                insert.setString(8, contact.phone());
                insert.setString(9, contact.email());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    private static void addTelecoms(PreparedStatement insert, long id, String system, List<ContactPoint> points) throws SQLException {
        int position = 0;
        for (ContactPoint point : points) {
            insert.setLong(1, id);
            insert.setString(2, system);
            insert.setInt(3, position++);
            insert.setString(4, point.value());
            insert.setString(5, point.use());
            insert.setObject(6, point.rank(), Types.INTEGER);
            insert.addBatch();
        }
    }

    private static List<ContactPoint> telecoms(Connection connection, long id, String system) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT contact_value, use_code, rank_value FROM portal_patient_telecom WHERE patient_id = ? AND system = ? ORDER BY position")) {
            select.setLong(1, id);
            select.setString(2, system);
            List<ContactPoint> points = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    points.add(new ContactPoint(rows.getString(1), rows.getString(2), rows.getObject(3, Integer.class)));
                }
            }
            return points;
        }
    }

    private static List<PostalAddress> addresses(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT use_code, lines, city, state, postal_code, country, period_start, period_end FROM portal_patient_address"
                        + " WHERE patient_id = ? ORDER BY position")) {
            select.setLong(1, id);
            List<PostalAddress> addresses = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String lines = rows.getString(2);
                    addresses.add(new PostalAddress(rows.getString(1), lines == null ? List.of() : Arrays.asList(lines.split("\n", -1)),
                            rows.getString(3), rows.getString(4), rows.getString(5), rows.getString(6),
                            rows.getObject(7, LocalDate.class), rows.getObject(8, LocalDate.class)));
                }
            }
            return addresses;
        }
    }

    private static List<EmergencyContact> contacts(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT relationship, prefix, given, family, suffix, phone, email FROM portal_patient_contact WHERE patient_id = ? ORDER BY position")) {
            select.setLong(1, id);
            List<EmergencyContact> contacts = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    contacts.add(new EmergencyContact(rows.getString(1),
                            name(rows.getString(2), rows.getString(3), rows.getString(4), rows.getString(5)),
                            rows.getString(6), rows.getString(7)));
                }
            }
            return contacts;
        }
    }

    private static PersonName name(String prefix, String given, String family, String suffix) {
        if (prefix == null && given == null && family == null && suffix == null) {
            return null;
        }
        return new PersonName(prefix, given, family, suffix);
    }
}
