package org.portalsync.source.hl7v2;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import org.portalsync.portal.PortalDatabase;

/**
 * The {@code legacy_inbox} table (V17): HL7 v2 messages stored before their ACK, then applied one by one,
 * oldest first per sender and record, across any number of instances.
 */
public final class Hl7v2Inbox {

    /** A message ready to be applied: its resource as the mapping made it, and its place in the sender's order. */
    public record Entry(long id, Instant receivedAt, String sender, String controlId, String messageType, String source, String record,
            String resourceJson, String mapping) {
    }

    /**
     * A message as accepted, before it has an id.
     *
     * @param patientRecord the patient it is about ({@link MappedMessage#patientRecord}), or null
     */
    public record Received(Instant receivedAt, String sender, String controlId, String messageType, String mapping, String source,
            String record, String patientRecord, String message, String resourceJson) {
    }

    private static final String PENDING = "PENDING";
    private static final String WORKING = "WORKING";
    private static final String DONE = "DONE";

    /** The message type of a merge, as stored (MSH-9's first two components, with or without the structure). */
    static final String MERGE_TYPE = "ADT^A40";

    private final PortalDatabase database;
    private final Duration claimTimeout;

    /** @param claimTimeout a row claimed by a worker that stopped (a crash) may be claimed again after this long */
    public Hl7v2Inbox(PortalDatabase database, Duration claimTimeout) {
        this.database = database;
        this.claimTimeout = claimTimeout;
    }

    /**
     * One statement per message, whether new or sent before: the insert itself skips a control id its sender used
     * already (also one earlier in the same batch), so that no SELECT has to ask first. Two instances (or the file drop
     * and the listener) storing the same control id at the same moment still meet the unique key: 23505.
     */
    private static final String INSERT_UNLESS_STORED = "INSERT INTO legacy_inbox (received_at, sender, control_id, message_type, mapping, "
            + "source, record_ref, patient_ref, message, resource, status) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
            + "(SELECT 1 FROM legacy_inbox WHERE sender = ? AND control_id = ?)";

    /** Stores a message in the caller's transaction. @return its id, or empty when its sender's control id is stored already */
    public Optional<Long> store(Connection connection, Received message) throws SQLException {
        return storeAll(connection, List.of(message)).get(0);
    }

    /**
     * Stores messages in the caller's transaction, in their order (their ids too), as one JDBC batch.
     *
     * @return for each message, its id, or empty when its sender's control id is stored already (or earlier in the list)
     */
    public List<Optional<Long>> storeAll(Connection connection, List<Received> messages) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT_UNLESS_STORED, new String[] {"id"})) {
            for (Received message : messages) {
                insert.setObject(1, PortalDatabase.utc(message.receivedAt()));
                insert.setString(2, message.sender());
                insert.setString(3, message.controlId());
                insert.setString(4, message.messageType());
                insert.setString(5, message.mapping());
                insert.setString(6, message.source());
                insert.setString(7, message.record());
                insert.setString(8, storedPatient(message));
                insert.setString(9, message.message());
                insert.setString(10, message.resourceJson());
                insert.setString(11, PENDING);
                insert.setString(12, message.sender());
                insert.setString(13, message.controlId());
                insert.addBatch();
            }
            int[] inserted = insert.executeBatch();
            List<Optional<Long>> ids = new ArrayList<>(messages.size());
            // keys come only for the rows inserted, in order
            try (ResultSet keys = insert.getGeneratedKeys()) {
                for (int count : inserted) {
                    if (count == 0) {
                        ids.add(Optional.empty());
                    } else {
                        if (!keys.next()) {
                            throw new SQLException("legacy_inbox: no id for an inserted row", "HY000");
                        }
                        ids.add(Optional.of(keys.getLong(1)));
                    }
                }
            }
            return ids;
        }
    }

    /**
     * The row's {@code patient_ref}: null when the row's record is the patient itself (an ADT), as for a row that names no
     * patient. The patient of a row is {@code COALESCE(patient_ref, record_ref)}, so an ADT needs no entry of its own in
     * {@code ix_legacy_inbox_patient}: such entries land at random places of that index, and on H2 every one of them
     * rewrote a page of it at the next checkpoint (a fifth of all H2 wrote for an ADT burst).
     */
    static String storedPatient(Received message) {
        return message.record().equals(message.patientRecord()) ? null : message.patientRecord();
    }

    /**
     * Claims a row unless an older row of its sender waits (not {@code DONE}) for its record, or for its patient: one whose
     * {@code patient_ref} names that patient (an SIU's, a result's; or an ADT stored before its own was left null), or
     * one whose record is that patient (an ADT of the patient an SIU or a result is about).
     */
    public static final String CLAIM_SQL = "UPDATE legacy_inbox i SET status = ?, claimed_at = ? WHERE i.id = ? "
            + "AND (i.status = ? OR (i.status = ? AND i.claimed_at < ?)) "
            + "AND NOT EXISTS (SELECT 1 FROM legacy_inbox e WHERE e.sender = i.sender AND e.record_ref = i.record_ref AND e.id < i.id "
            + "AND e.status <> ?) "
            + "AND NOT EXISTS (SELECT 1 FROM legacy_inbox p WHERE p.sender = i.sender AND p.patient_ref = COALESCE(i.patient_ref, i.record_ref) "
            + "AND p.id < i.id AND p.status <> ?) "
            + "AND NOT EXISTS (SELECT 1 FROM legacy_inbox a WHERE i.patient_ref IS NOT NULL AND a.sender = i.sender "
            + "AND a.record_ref = i.patient_ref AND a.id < i.id AND a.status <> ?)";

    /**
     * The oldest waiting row of a done row's sender that shares its record ({@code n.record_ref = d.record_ref}), names its
     * patient ({@code n.patient_ref = COALESCE(d.patient_ref, d.record_ref)}), or is that patient's own row
     * ({@code n.record_ref = d.patient_ref}): the three ways a row waits for another in {@link #CLAIM_SQL}.
     */
    public static final List<String> NEXT_WAITING_SQL = List.of("n.record_ref = d.record_ref", "n.patient_ref = COALESCE(d.patient_ref, d.record_ref)",
            "n.record_ref = d.patient_ref").stream()
            .map(shared -> "SELECT n.id FROM legacy_inbox n JOIN legacy_inbox d ON d.sender = n.sender AND " + shared
                    + " WHERE d.id = ? AND n.status = ? ORDER BY n.id")
            .toList();

    /** The newest message of a record, as received, and the resource (JSON) the mapping made of it. */
    public record Latest(String message, String resourceJson) {
    }

    /** The newest message of this source for this record (e.g. {@code Appointment/v2-...}), if any was taken. */
    public Optional<Latest> latest(Connection connection, String source, String record) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT message, resource FROM legacy_inbox WHERE source = ? "
                + "AND record_ref = ? ORDER BY id DESC")) {
            select.setString(1, source);
            select.setString(2, record);
            select.setMaxRows(1);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new Latest(row.getString(1), row.getString(2))) : Optional.empty();
            }
        }
    }

    /** Whether a message of this source for this record was taken (applied or still waiting). */
    public boolean holds(Connection connection, String source, String record) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM legacy_inbox WHERE source = ? AND record_ref = ?")) {
            select.setString(1, source);
            select.setString(2, record);
            select.setMaxRows(1);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * Claims a row for applying, unless another worker has it or an older row of the same sender and record, or of the
     * same sender and patient, still waits (that one goes first; this one is handed over again when it is done). A merge (A40) names two records,
     * the survivor (its own) and the merged one: it waits for every older row of its sender, so that the merged
     * patient's earlier messages are in the portal before it is merged (the sweep hands it over again).
     */
    public Optional<Entry> claim(long id, Instant now) {
        return database.inTransaction(connection -> {
            String mergeSender = mergeSender(connection, id);
            if (mergeSender != null && olderRowOfSenderWaits(connection, mergeSender, id)) {
                return Optional.empty();
            }
            try (PreparedStatement claim = connection.prepareStatement(CLAIM_SQL)) {
                claim.setString(1, WORKING);
                claim.setObject(2, PortalDatabase.utc(now));
                claim.setLong(3, id);
                claim.setString(4, PENDING);
                claim.setString(5, WORKING);
                claim.setObject(6, PortalDatabase.utc(now.minus(claimTimeout)));
                claim.setString(7, DONE);
                claim.setString(8, DONE);
                claim.setString(9, DONE);
                if (claim.executeUpdate() == 0) {
                    return Optional.empty();
                }
            }
            try (PreparedStatement read = connection.prepareStatement("SELECT received_at, sender, control_id, message_type, source, record_ref, "
                    + "resource, mapping FROM legacy_inbox WHERE id = ?")) {
                read.setLong(1, id);
                try (ResultSet row = read.executeQuery()) {
                    row.next();
                    return Optional.of(new Entry(id, PortalDatabase.instant(row.getObject(1, OffsetDateTime.class)), row.getString(2),
                            row.getString(3), row.getString(4), row.getString(5), row.getString(6), row.getString(7), row.getString(8)));
                }
            }
        });
    }

    /** The sender of the row when it is a merge (A40); null for any other row. */
    private static String mergeSender(Connection connection, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT message_type, sender FROM legacy_inbox WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next() && row.getString(1).startsWith(MERGE_TYPE) ? row.getString(2) : null;
            }
        }
    }

    /**
     * Whether a row of the sender older than the given one is not yet applied: by {@code ix_legacy_inbox_status}, so that only
     * rows not yet applied are read, not the sender's whole history that the inbox keeps until its retention purges it.
     */
    public static final String OLDER_ROW_OF_SENDER_WAITS_SQL = "SELECT 1 FROM legacy_inbox WHERE status IN (?, ?) AND id < ? AND sender = ?";

    private static boolean olderRowOfSenderWaits(Connection connection, String sender, long id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(OLDER_ROW_OF_SENDER_WAITS_SQL)) {
            select.setString(1, PENDING);
            select.setString(2, WORKING);
            select.setLong(3, id);
            select.setString(4, sender);
            select.setMaxRows(1);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        }
    }

    /**
     * Marks a row applied (synced or dead-lettered).
     *
     * @return the next waiting row of the same sender and record, and of the same sender and patient, oldest first
     */
    public List<Long> done(long id, Instant now) {
        return database.inTransaction(connection -> {
            try (PreparedStatement done = connection.prepareStatement("UPDATE legacy_inbox SET status = ?, done_at = ? WHERE id = ?")) {
                done.setString(1, DONE);
                done.setObject(2, PortalDatabase.utc(now));
                done.setLong(3, id);
                done.executeUpdate();
            }
            TreeSet<Long> next = new TreeSet<>();
            for (String sql : NEXT_WAITING_SQL) {
                nextWaiting(connection, id, sql).ifPresent(next::add);
            }
            return List.copyOf(next);
        });
    }

    /** @param sql one of {@link #NEXT_WAITING_SQL} */
    private static Optional<Long> nextWaiting(Connection connection, long doneId, String sql) throws SQLException {
        try (PreparedStatement next = connection.prepareStatement(sql)) {
            next.setLong(1, doneId);
            next.setString(2, PENDING);
            next.setMaxRows(1);
            try (ResultSet row = next.executeQuery()) {
                return row.next() ? Optional.of(row.getLong(1)) : Optional.empty();
            }
        }
    }

    /** What {@link #reopen} found. */
    public enum Reopened {
        /** the row was applied, and waits to be applied again */
        REOPENED,
        /** the row was not applied yet: it will be anyway */
        WAITING,
        /** no such row: deleted (a dead letter from before the purge kept the rows its letters name) */
        GONE
    }

    /**
     * Makes an applied row wait to be applied again (a dead letter's re-sync). It takes its turn as any waiting
     * row: after the older rows of its sender and record, and its own id and arrival time stay its version, so
     * that it never overwrites what a newer message of its record put in the portal.
     */
    public Reopened reopen(long id) {
        return database.inTransaction(connection -> {
            try (PreparedStatement reopen = connection.prepareStatement("UPDATE legacy_inbox SET status = ?, claimed_at = NULL, done_at = NULL "
                    + "WHERE id = ? AND status = ?")) {
                reopen.setString(1, PENDING);
                reopen.setLong(2, id);
                reopen.setString(3, DONE);
                if (reopen.executeUpdate() == 1) {
                    return Reopened.REOPENED;
                }
            }
            try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM legacy_inbox WHERE id = ?")) {
                exists.setLong(1, id);
                try (ResultSet row = exists.executeQuery()) {
                    return row.next() ? Reopened.WAITING : Reopened.GONE;
                }
            }
        });
    }

    /** Rows not yet applied (pending, or claimed by a worker that stopped), oldest first. */
    public List<Long> waiting(Instant now, int limit) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM legacy_inbox WHERE status = ? "
                    + "OR (status = ? AND claimed_at < ?) ORDER BY id")) {
                select.setString(1, PENDING);
                select.setString(2, WORKING);
                select.setObject(3, PortalDatabase.utc(now.minus(claimTimeout)));
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
}
