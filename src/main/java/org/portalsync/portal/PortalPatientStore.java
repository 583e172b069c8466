package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.portalsync.authority.PatientProvenance;

/**
 * Reads and writes portal patients with their phones, emails, addresses and emergency contacts.
 * Every method takes the caller's connection: the caller owns the transaction, so a record and
 * everything that goes with it (status, audit row, outbox) commit together.
 */
public final class PortalPatientStore {

    /** A patient as stored, with its portal key and the provenance of its fields. */
    public record StoredPatient(long id, PortalPatient patient, PatientProvenance provenance) {
    }

    private final ZoneId facilityZone;

    public PortalPatientStore(ZoneId facilityZone) {
        this.facilityZone = facilityZone;
    }

    private static final String COLUMNS = "id, source_id, source_version, source_last_updated, mrn, legal_prefix, legal_given, legal_family,"
            + " legal_suffix, preferred_prefix, preferred_given, preferred_family, preferred_suffix, birth_date, gender,"
            + " preferred_language, archived, deceased, deceased_at, display_name, field_provenance";

    public Optional<StoredPatient> find(Connection connection, String source, String sourceId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM portal_patient WHERE source = ? AND source_id = ?")) {
            select.setString(1, source);
            select.setString(2, sourceId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(read(connection, source, List.of(row.getLong(1))).get(sourceId)) : Optional.empty();
            }
        }
    }

    /** @return true when the portal holds this patient of the source (a record of another type refers to it) */
    public static boolean exists(Connection connection, String source, String sourceId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM portal_patient WHERE source = ? AND source_id = ?")) {
            select.setString(1, source);
            select.setString(2, sourceId);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        }
    }

    /**
     * As {@link #find}, and locks the row until the transaction ends: a refresh and a poll delivering
     * the same patient at once then run one after the other, and the second sees the first's version.
     */
    public Optional<StoredPatient> findForUpdate(Connection connection, String source, String sourceId) throws SQLException {
        // Lock first with a short statement, then read under the lock: H2 parses a SELECT ... FOR UPDATE
        // anew each time (it never caches one), and the long column list made that parse a tenth of a sync.
        OptionalLong id = lock(connection, source, sourceId);
        return id.isPresent() ? Optional.of(read(connection, source, List.of(id.getAsLong())).get(sourceId)) : Optional.empty();
    }

    /**
     * As {@link #findForUpdate} for many records of one source at once (a page of a poll): five statements
     * for the page instead of five per record. The rows are locked in id order, as every page locks them,
     * so two pages sharing a patient wait for each other instead of deadlocking.
     *
     * @return the records the portal holds, by source id
     */
    public Map<String, StoredPatient> findAllForUpdate(Connection connection, String source, List<String> sourceIds) throws SQLException {
        if (sourceIds.isEmpty()) {
            return Map.of();
        }
        List<Long> ids = new ArrayList<>(sourceIds.size());
        try (PreparedStatement lock = connection.prepareStatement(
                // whole keys (source, source_id): H2 looks each up; with "source = ? AND source_id IN" it reads the whole source
                "SELECT id FROM portal_patient WHERE (source, source_id) IN (" + PortalDatabase.rowPlaceholders(sourceIds.size(), 2)
                        + ") ORDER BY id FOR UPDATE")) {
            setKeys(lock, source, sourceIds);
            try (ResultSet rows = lock.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
        }
        return ids.isEmpty() ? Map.of() : read(connection, source, ids);
    }

    /** Locks the patient's row until the transaction ends, without reading it. @return its portal id; empty when there is none */
    public OptionalLong lock(Connection connection, String source, String sourceId) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement(
                "SELECT id FROM portal_patient WHERE source = ? AND source_id = ? FOR UPDATE")) {
            lock.setString(1, source);
            lock.setString(2, sourceId);
            try (ResultSet row = lock.executeQuery()) {
                return row.next() ? OptionalLong.of(row.getLong(1)) : OptionalLong.empty();
            }
        }
    }

    /** Reads these patients of one source whole, children included: four statements however many there are. */
    private Map<String, StoredPatient> read(Connection connection, String source, List<Long> ids) throws SQLException {
        Map<Long, List<ContactPoint>> phones = new HashMap<>();
        Map<Long, List<ContactPoint>> emails = new HashMap<>();
        readTelecoms(connection, ids, phones, emails);
        Map<Long, List<PostalAddress>> addresses = readAddresses(connection, ids);
        Map<Long, List<EmergencyContact>> contacts = readContacts(connection, ids);
        Map<String, StoredPatient> stored = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM portal_patient WHERE id IN (" + PortalDatabase.placeholders(ids.size()) + ")")) {
            setIds(select, ids);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    long id = row.getLong("id");
                    String sourceId = row.getString("source_id");
                    PortalPatient patient = new PortalPatient(source, sourceId, row.getString("source_version"),
                            PortalDatabase.instant(row.getObject("source_last_updated", OffsetDateTime.class)), row.getString("mrn"),
                            name(row.getString("legal_prefix"), row.getString("legal_given"), row.getString("legal_family"), row.getString("legal_suffix")),
                            name(row.getString("preferred_prefix"), row.getString("preferred_given"), row.getString("preferred_family"),
                                    row.getString("preferred_suffix")),
                            row.getObject("birth_date", LocalDate.class), row.getString("gender"), row.getString("preferred_language"),
                            row.getBoolean("archived"), row.getBoolean("deceased"),
                            PortalDatabase.instant(row.getObject("deceased_at", OffsetDateTime.class)),
                            phones.getOrDefault(id, List.of()), emails.getOrDefault(id, List.of()),
                            addresses.getOrDefault(id, List.of()), contacts.getOrDefault(id, List.of()), row.getString("display_name"));
                    stored.put(sourceId, new StoredPatient(id, patient, PatientProvenance.fromJson(row.getString("field_provenance"))));
                }
            }
        }
        return stored;
    }

    /** Binds {@code (source, source_id) IN (}{@link PortalDatabase#rowPlaceholders}{@code (n, 2))} from parameter 1. */
    public static void setKeys(PreparedStatement statement, String source, List<String> sourceIds) throws SQLException {
        for (int i = 0; i < sourceIds.size(); i++) {
            statement.setString(2 * i + 1, source);
            statement.setString(2 * i + 2, sourceIds.get(i));
        }
    }

    private static void setIds(PreparedStatement statement, List<Long> ids) throws SQLException {
        for (int i = 0; i < ids.size(); i++) {
            statement.setLong(i + 1, ids.get(i));
        }
    }

    /** @return the new patient's portal id; everything is written at once */
    public long insert(Connection connection, PortalPatient patient, PatientProvenance provenance, Instant now) throws SQLException {
        try (StatementBatches writes = new StatementBatches(connection)) {
            long id = insert(writes, patient, provenance, now);
            writes.flush();
            return id;
        }
    }

    /** @return the new patient's portal id; the patient row is written at once (its key is needed), its child rows are batched */
    public long insert(StatementBatches writes, PortalPatient patient, PatientProvenance provenance, Instant now) throws SQLException {
        return insertAll(writes, List.of(new NewPatient(patient, provenance)), now).get(0);
    }

    /** A patient the portal does not hold yet, with the provenance of its fields. */
    public record NewPatient(PortalPatient patient, PatientProvenance provenance) {
    }

    /** Most rows in one insert statement: 64 rows of 25 parameters stay far below any driver's parameter limit. */
    private static final int MOST_ROWS_PER_INSERT = 64;

    private static final String INSERT_PATIENTS = "INSERT INTO portal_patient (source, source_id, source_version, source_last_updated,"
            + " source_zone, mrn, legal_prefix, legal_given, legal_family, legal_suffix, preferred_prefix, preferred_given,"
            + " preferred_family, preferred_suffix, birth_date, gender, preferred_language, archived, deceased, deceased_at, display_name,"
            + " field_provenance, archived_at, created_at, updated_at, row_version) VALUES ";

    private static final String INSERT_PATIENT_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)";

    /**
     * Inserts new patients of one source (distinct records) with a few multi-row statements, written at once (their
     * keys are needed), their child rows held in {@code writes}. A JDBC batch would not do: a driver that must return
     * generated keys (PostgreSQL's) runs a batch's rows as one statement each. The rows go in groups of a power of two,
     * so a handful of statement texts serve every page size and each stays prepared.
     *
     * @return each new patient's portal id, in order
     */
    public List<Long> insertAll(StatementBatches writes, List<NewPatient> created, Instant now) throws SQLException {
        if (created.isEmpty()) {
            return List.of();
        }
        Map<String, Long> idsBySourceId = new HashMap<>();
        for (int from = 0; from < created.size(); ) {
            int rows = Integer.highestOneBit(Math.min(created.size() - from, MOST_ROWS_PER_INSERT));
            try (PreparedStatement insert = writes.connection().prepareStatement(
                    INSERT_PATIENTS + String.join(", ", Collections.nCopies(rows, INSERT_PATIENT_ROW)),
                    new String[] {"id", "source_id"})) {
                int parameter = 1;
                for (NewPatient row : created.subList(from, from + rows)) {
                    PortalPatient patient = row.patient();
                    insert.setString(parameter, patient.source());
                    insert.setString(parameter + 1, patient.sourceId());
                    int next = setColumns(insert, parameter + 2, patient);
                    insert.setString(next, row.provenance().toJson(patient));
                    insert.setObject(next + 1, patient.archived() ? PortalDatabase.utc(now) : null);
                    insert.setObject(next + 2, PortalDatabase.utc(now));
                    insert.setObject(next + 3, PortalDatabase.utc(now));
                    parameter = next + 4;
                }
                insert.executeUpdate();
                // by source id, not by position: the order a database returns a statement's keys in is its own
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    while (keys.next()) {
                        idsBySourceId.put(keys.getString(2), keys.getLong(1));
                    }
                }
            }
            from += rows;
        }
        List<Long> ids = new ArrayList<>(created.size());
        for (NewPatient row : created) {
            Long id = idsBySourceId.get(row.patient().sourceId());
            if (id == null) {
                throw new SQLException("portal_patient: no id returned for the new patient " + row.patient().sourceId(), "HY000");
            }
            ids.add(id);
            writeChildren(writes, id, null, row.patient());
        }
        return ids;
    }

    /** Writes {@code patient} over {@code current} (as {@link #find} returned it) at once; child rows that did not change stay as they are. */
    public void update(Connection connection, long id, PortalPatient current, PortalPatient patient, PatientProvenance provenance, Instant now)
            throws SQLException {
        try (StatementBatches writes = new StatementBatches(connection)) {
            update(writes, id, current, patient, provenance, now);
            writes.flush();
        }
    }

    /** As {@link #update(Connection, long, PortalPatient, PortalPatient, PatientProvenance, Instant)}, held in {@code writes}. */
    public void update(StatementBatches writes, long id, PortalPatient current, PortalPatient patient, PatientProvenance provenance, Instant now)
            throws SQLException {
        writes.write("UPDATE portal_patient SET source_version = ?, source_last_updated = ?, source_zone = ?, mrn = ?,"
                + " legal_prefix = ?, legal_given = ?, legal_family = ?, legal_suffix = ?, preferred_prefix = ?,"
                + " preferred_given = ?, preferred_family = ?, preferred_suffix = ?, birth_date = ?, gender = ?,"
                // a patient merged into another (replaced_by) stays archived whatever a late message of it says
                + " preferred_language = ?, archived = (? OR replaced_by IS NOT NULL), deceased = ?, deceased_at = ?,"
                + " display_name = ?, field_provenance = ?,"
                + " archived_at = CASE WHEN (? OR replaced_by IS NOT NULL) THEN COALESCE(archived_at, ?) END,"
                + " updated_at = ?, row_version = row_version + 1"
                + " WHERE id = ?", update -> {
                    int next = setColumns(update, 1, patient);
                    update.setString(next, provenance.toJson(patient));
                    update.setBoolean(next + 1, patient.archived());
                    update.setObject(next + 2, PortalDatabase.utc(now));
                    update.setObject(next + 3, PortalDatabase.utc(now));
                    update.setLong(next + 4, id);
                });
        writeChildren(writes, id, current, patient);
    }

    /** Replaces only the provenance of a patient (the caller holds its row lock). */
    public void updateProvenance(Connection connection, long id, PortalPatient patient, PatientProvenance provenance) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_patient SET field_provenance = ? WHERE id = ?")) {
            update.setString(1, provenance.toJson(patient));
            update.setLong(2, id);
            update.executeUpdate();
        }
    }

    /**
     * Archives a merged patient and links it to the one that replaced it (FHIR {@code replaced-by}).
     *
     * @return false when it was merged into that patient already
     */
    public boolean markReplaced(Connection connection, long mergedId, long survivorId, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE portal_patient SET archived = TRUE,"
                + " archived_at = COALESCE(archived_at, ?), replaced_by = ?, replaced_at = ?, updated_at = ?, row_version = row_version + 1"
                + " WHERE id = ? AND (replaced_by IS NULL OR replaced_by <> ?)")) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setLong(2, survivorId);
            update.setObject(3, PortalDatabase.utc(now));
            update.setObject(4, PortalDatabase.utc(now));
            update.setLong(5, mergedId);
            update.setLong(6, survivorId);
            return update.executeUpdate() == 1;
        }
    }

    /** Marks a patient archived and keeps everything else: the source deleted it, the portal keeps the history. */
    public void archive(Connection connection, long id, String sourceVersion, Instant deletedAt, Instant now) throws SQLException {
        try (StatementBatches writes = new StatementBatches(connection)) {
            archive(writes, id, sourceVersion, deletedAt, now);
            writes.flush();
        }
    }

    /** As {@link #archive(Connection, long, String, Instant, Instant)}, held in {@code writes}. */
    public void archive(StatementBatches writes, long id, String sourceVersion, Instant deletedAt, Instant now) throws SQLException {
        writes.write("UPDATE portal_patient SET archived = TRUE, archived_at = ?, source_version = COALESCE(?, source_version),"
                + " source_last_updated = COALESCE(?, source_last_updated), updated_at = ?, row_version = row_version + 1 WHERE id = ?", update -> {
                    update.setObject(1, PortalDatabase.utc(now));
                    update.setString(2, sourceVersion);
                    update.setObject(3, PortalDatabase.utc(deletedAt));
                    update.setObject(4, PortalDatabase.utc(now));
                    update.setLong(5, id);
                });
    }

    /** Sets source_version .. deceased_at, display_name starting at {@code index}; returns the next free index. */
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
        statement.setBoolean(i++, patient.deceased());
        statement.setObject(i++, PortalDatabase.utc(patient.deceasedAt()));
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

    /** Binds one child row's columns for its INSERT: patient id, then position, then the rest. */
    @FunctionalInterface
    private interface ChildColumns<T> {
        void bind(PreparedStatement insert, long patientId, int position, T item) throws SQLException;
    }

    /** A child table, or the part of one that holds one kind of row (phones, emails). */
    private record ChildTable<T>(String name, String kindFilter, String insertSql, ChildColumns<T> columns) {
    }

    private static ChildTable<ContactPoint> telecomTable(String system) {
        return new ChildTable<>("portal_patient_telecom", " AND system = '" + system + "'",
                "INSERT INTO portal_patient_telecom (patient_id, system, position, contact_value, use_code, rank_value) VALUES (?, ?, ?, ?, ?, ?)",
                (insert, id, position, point) -> {
                    insert.setLong(1, id);
                    insert.setString(2, system);
                    insert.setInt(3, position);
                    insert.setString(4, point.value());
                    insert.setString(5, point.use());
                    insert.setObject(6, point.rank(), Types.INTEGER);
                });
    }

    private static final ChildTable<ContactPoint> PHONES = telecomTable("phone");
    private static final ChildTable<ContactPoint> EMAILS = telecomTable("email");

    private static final ChildTable<PostalAddress> ADDRESSES = new ChildTable<>("portal_patient_address", "",
            "INSERT INTO portal_patient_address (patient_id, position, use_code, lines, city, state, postal_code, country,"
                    + " period_start, period_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (insert, id, position, address) -> {
                insert.setLong(1, id);
                insert.setInt(2, position);
                insert.setString(3, address.use());
                insert.setString(4, address.lines().isEmpty() ? null : String.join("\n", address.lines()));
                insert.setString(5, address.city());
                insert.setString(6, address.state());
                insert.setString(7, address.postalCode());
                insert.setString(8, address.country());
                insert.setObject(9, address.periodStart());
                insert.setObject(10, address.periodEnd());
            });

    private static final ChildTable<EmergencyContact> CONTACTS = new ChildTable<>("portal_patient_contact", "",
            "INSERT INTO portal_patient_contact (patient_id, position, relationship, prefix, given, family, suffix, phone, email)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (insert, id, position, contact) -> {
                insert.setLong(1, id);
                insert.setInt(2, position);
                insert.setString(3, contact.relationship());
                setName(insert, 4, contact.name());
                insert.setString(8, contact.phone());
                insert.setString(9, contact.email());
            });

    /** @param stored the rows as stored, null for a new patient */
    private static void writeChildren(StatementBatches writes, long id, PortalPatient stored, PortalPatient wanted) throws SQLException {
        updateChildren(writes, id, PHONES, stored == null ? List.of() : stored.phones(), wanted.phones());
        updateChildren(writes, id, EMAILS, stored == null ? List.of() : stored.emails(), wanted.emails());
        updateChildren(writes, id, ADDRESSES, stored == null ? List.of() : stored.addresses(), wanted.addresses());
        updateChildren(writes, id, CONTACTS, stored == null ? List.of() : stored.emergencyContacts(), wanted.emergencyContacts());
    }

    /**
     * Brings one child table from {@code stored} to {@code wanted}, position by position: a row that
     * did not change is not touched (its row, history and triggers stay); a changed one is replaced;
     * surplus rows go.
     */
    private static <T> void updateChildren(StatementBatches writes, long id, ChildTable<T> table, List<T> stored, List<T> wanted)
            throws SQLException {
        for (int position = 0; position < Math.max(stored.size(), wanted.size()); position++) {
            boolean had = position < stored.size();
            boolean wants = position < wanted.size();
            if (had && wants && stored.get(position).equals(wanted.get(position))) {
                continue;
            }
            int at = position;
            if (had) {
                writes.delete("DELETE FROM " + table.name() + " WHERE patient_id = ?" + table.kindFilter() + " AND position = ?", delete -> {
                    delete.setLong(1, id);
                    delete.setInt(2, at);
                });
            }
            if (wants) {
                writes.write(table.insertSql(), insert -> table.columns().bind(insert, id, at, wanted.get(at)));
            }
        }
    }

    /** Phones and emails of these patients in one query, each patient's in order. */
    private static void readTelecoms(Connection connection, List<Long> ids, Map<Long, List<ContactPoint>> phones,
            Map<Long, List<ContactPoint>> emails) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT patient_id, system, contact_value, use_code, rank_value FROM portal_patient_telecom WHERE patient_id IN ("
                        + PortalDatabase.placeholders(ids.size()) + ") ORDER BY patient_id, system, position")) {
            setIds(select, ids);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Map<Long, List<ContactPoint>> points = "email".equals(rows.getString(2)) ? emails : phones;
                    points.computeIfAbsent(rows.getLong(1), id -> new ArrayList<>())
                            .add(new ContactPoint(rows.getString(3), rows.getString(4), rows.getObject(5, Integer.class)));
                }
            }
        }
    }

    private static Map<Long, List<PostalAddress>> readAddresses(Connection connection, List<Long> ids) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT patient_id, use_code, lines, city, state, postal_code, country, period_start, period_end FROM portal_patient_address"
                        + " WHERE patient_id IN (" + PortalDatabase.placeholders(ids.size()) + ") ORDER BY patient_id, position")) {
            setIds(select, ids);
            Map<Long, List<PostalAddress>> addresses = new HashMap<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String lines = rows.getString(3);
                    addresses.computeIfAbsent(rows.getLong(1), id -> new ArrayList<>()).add(new PostalAddress(rows.getString(2),
                            lines == null ? List.of() : Arrays.asList(lines.split("\n", -1)),
                            rows.getString(4), rows.getString(5), rows.getString(6), rows.getString(7),
                            rows.getObject(8, LocalDate.class), rows.getObject(9, LocalDate.class)));
                }
            }
            return addresses;
        }
    }

    private static Map<Long, List<EmergencyContact>> readContacts(Connection connection, List<Long> ids) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT patient_id, relationship, prefix, given, family, suffix, phone, email FROM portal_patient_contact"
                        + " WHERE patient_id IN (" + PortalDatabase.placeholders(ids.size()) + ") ORDER BY patient_id, position")) {
            setIds(select, ids);
            Map<Long, List<EmergencyContact>> contacts = new HashMap<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    contacts.computeIfAbsent(rows.getLong(1), id -> new ArrayList<>()).add(new EmergencyContact(rows.getString(2),
                            name(rows.getString(3), rows.getString(4), rows.getString(5), rows.getString(6)),
                            rows.getString(7), rows.getString(8)));
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
