package org.portalsync.alert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.SyncStatusStore;

/**
 * The dead-letter table and its alerts. A record has at most one open dead letter: a record that
 * fails again (a re-sync that failed too) updates it instead of raising another alert. A record's
 * sync status is marked pending with the cause, so the portal shows it stale; it is resolved when
 * the record later reaches the portal.
 */
public final class DeadLetterStore {

    /** Open: will be re-synced. */
    public static final String OPEN = "NEW";
    /** Re-syncs used up: waits for an operator. */
    public static final String NEEDS_OPERATOR = "NEEDS_OPERATOR";
    public static final String RESOLVED = "RESOLVED";

    /** An open dead letter whose record is due for another try. */
    public record Due(long id, String record, int attempts) {
    }

    /** A dead letter not yet resolved, as an operator sees it: without its payload, which is PHI. */
    public record Unresolved(long id, String routeId, String source, String record, String causeType, String cause, String status,
            Instant failedAt) {
    }

    private final PortalDatabase database;
    private final SyncStatusStore statuses;
    private final Duration firstResyncDelay;
    private final AlertLog alerts;

    public DeadLetterStore(PortalDatabase database, SyncStatusStore statuses, Duration firstResyncDelay, AlertLog alerts) {
        this.database = database;
        this.statuses = statuses;
        this.firstResyncDelay = firstResyncDelay;
        this.alerts = alerts;
    }

    /**
     * Stores a dead letter with its alert and the record's pending status, in one transaction.
     *
     * @return the dead letter's id, or empty when this journal entry was imported before
     */
    public Optional<Long> store(DeadLetter letter) {
        return database.inTransaction(connection -> {
            if (letter.entryId() != null && exists(connection, letter.entryId())) {
                return Optional.empty();
            }
            Optional<Long> open = letter.record() == null ? Optional.empty() : openFor(connection, letter.source(), letter.record());
            long id;
            if (open.isPresent()) {
                id = open.get();
                refresh(connection, id, letter);
            } else {
                id = insert(connection, letter);
                alerts.raise(connection, letter.failedAt(), letter.kind(), letter.source(), letter.alertMessage(), id);
            }
            if (letter.record() != null && letter.record().startsWith("Patient/")) {
                statuses.failed(connection, letter.source(), letter.record().substring("Patient/".length()),
                        "dead-lettered: " + letter.cause(), letter.failedAt());
            }
            return Optional.of(id);
        });
    }

    /** Closes the record's open dead letters: it reached the portal (or the digest) after all. */
    public void resolve(Connection connection, String source, String record, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE dead_letter SET status = '" + RESOLVED + "', resolved_at = ? WHERE record_ref = ? AND source = ?"
                        + " AND status IN ('" + OPEN + "', '" + NEEDS_OPERATOR + "')")) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setString(2, record);
            update.setString(3, source);
            update.executeUpdate();
        }
    }

    /** As {@link #resolve} for many records of a source at once (a page of a poll): one statement. */
    public void resolveAll(Connection connection, String source, List<String> records, Instant now) throws SQLException {
        if (records.isEmpty()) {
            return;
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE dead_letter SET status = '" + RESOLVED + "', resolved_at = ? WHERE record_ref IN ("
                        + PortalDatabase.placeholders(records.size()) + ") AND source = ?"
                        + " AND status IN ('" + OPEN + "', '" + NEEDS_OPERATOR + "')")) {
            update.setObject(1, PortalDatabase.utc(now));
            for (int i = 0; i < records.size(); i++) {
                update.setString(i + 2, records.get(i));
            }
            update.setString(records.size() + 2, source);
            update.executeUpdate();
        }
    }

    /** Closes the dead letters of failed runs of these routes (a page, not a record): a later run got past them. */
    public void resolveRuns(String source, java.util.Collection<String> routeIds, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE dead_letter SET status = '" + RESOLVED + "', resolved_at = ? WHERE record_ref IS NULL AND source = ?"
                            + " AND route_id = ? AND status = '" + OPEN + "'")) {
                for (String routeId : routeIds) {
                    update.setObject(1, PortalDatabase.utc(now));
                    update.setString(2, source);
                    update.setString(3, routeId);
                    update.addBatch();
                }
                update.executeBatch();
            }
            return null;
        });
    }

    /**
     * Open dead letters of one source's records of {@code recordType} whose next try is due, oldest first; not those of
     * HL7 v2 messages ({@link #dueMessages}), which are applied again rather than read afresh.
     */
    public List<Due> due(String source, String recordType, Instant now, int limit) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, record_ref, resync_attempts FROM dead_letter WHERE status = '" + OPEN + "' AND source = ?"
                            + " AND record_ref LIKE ? AND legacy_inbox_id IS NULL AND (next_resync_at IS NULL OR next_resync_at <= ?)"
                            + " ORDER BY failed_at, id")) {
                select.setString(1, source);
                select.setString(2, recordType + "/%");
                select.setObject(3, PortalDatabase.utc(now));
                select.setMaxRows(limit);
                List<Due> due = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(new Due(rows.getLong(1), rows.getString(2), rows.getInt(3)));
                    }
                }
                return due;
            }
        });
    }

    /** An open dead letter of a record whose HL7 v2 message ({@code legacy_inbox} row) failed to apply. */
    public record DueMessage(long id, String record, int attempts, long legacyInboxId) {
    }

    /** Open dead letters of HL7 v2 messages whose next try is due, oldest first. */
    public List<DueMessage> dueMessages(Instant now, int limit) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, record_ref, resync_attempts, legacy_inbox_id FROM dead_letter WHERE status = '" + OPEN + "'"
                            + " AND legacy_inbox_id IS NOT NULL AND (next_resync_at IS NULL OR next_resync_at <= ?) ORDER BY failed_at, id")) {
                select.setObject(1, PortalDatabase.utc(now));
                select.setMaxRows(limit);
                List<DueMessage> due = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        due.add(new DueMessage(rows.getLong(1), rows.getString(2), rows.getInt(3), rows.getLong(4)));
                    }
                }
                return due;
            }
        });
    }

    /**
     * The dead letters still open or waiting for an operator, oldest first.
     *
     * @param limit most rows returned
     */
    public List<Unresolved> unresolved(int limit) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, route_id, source, record_ref, cause_type, cause_message, status, failed_at FROM dead_letter"
                            + " WHERE status IN ('" + OPEN + "', '" + NEEDS_OPERATOR + "') ORDER BY failed_at, id")) {
                select.setMaxRows(limit);
                List<Unresolved> letters = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        letters.add(new Unresolved(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                                rows.getString(5), rows.getString(6), rows.getString(7),
                                PortalDatabase.instant(rows.getObject(8, java.time.OffsetDateTime.class))));
                    }
                }
                return letters;
            }
        });
    }

    /** How many dead letters are open or wait for an operator. */
    public long countUnresolved() {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT COUNT(*) FROM dead_letter WHERE status IN ('" + OPEN + "', '" + NEEDS_OPERATOR + "')");
                    ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    /** Counts one more try and when the next one is due. */
    public void attempted(long id, int attempts, Instant nextTry) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE dead_letter SET resync_attempts = ?, next_resync_at = ? WHERE id = ? AND status = '" + OPEN + "'")) {
                update.setInt(1, attempts);
                update.setObject(2, PortalDatabase.utc(nextTry));
                update.setLong(3, id);
                update.executeUpdate();
            }
            return null;
        });
    }

    /** Re-syncs are used up: the dead letter waits for an operator, who gets an alert saying so. */
    public void giveUp(long id, String record, int attempts, Instant now) {
        giveUp(id, record + ": still failing after " + attempts + " re-syncs; see dead letter #" + id + " and replay it when the cause is fixed", now);
    }

    /** The dead letter cannot be re-synced: it waits for an operator, who gets an alert saying why. */
    public void giveUp(long id, String alert, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE dead_letter SET status = '" + NEEDS_OPERATOR + "' WHERE id = ? AND status = '" + OPEN + "'")) {
                update.setLong(1, id);
                if (update.executeUpdate() == 1) {
                    alerts.raise(connection, now, AlertKind.RESYNC_EXHAUSTED, null, alert, id);
                }
            }
            return null;
        });
    }

    private static boolean exists(Connection connection, String entryId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM dead_letter WHERE journal_entry_id = ?")) {
            select.setString(1, entryId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static Optional<Long> openFor(Connection connection, String source, String record) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id FROM dead_letter WHERE record_ref = ? AND source = ? AND status = '" + OPEN + "' ORDER BY id")) {
            select.setString(1, record);
            select.setString(2, source);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(rows.getLong(1)) : Optional.empty();
            }
        }
    }

    private long insert(Connection connection, DeadLetter letter) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO dead_letter (failed_at, route_id, source, record_ref, payload, cause_type, cause_message, status,"
                        + " next_resync_at, journal_entry_id, legacy_inbox_id) VALUES (?, ?, ?, ?, ?, ?, ?, '" + OPEN + "', ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setObject(1, PortalDatabase.utc(letter.failedAt()));
            insert.setString(2, letter.routeId());
            insert.setString(3, letter.source());
            insert.setString(4, letter.record());
            insert.setString(5, letter.payload());
            insert.setString(6, letter.causeType());
            insert.setString(7, truncate(letter.cause(), 4000));
            insert.setObject(8, PortalDatabase.utc(letter.failedAt().plus(firstResyncDelay)));
            insert.setString(9, letter.entryId());
            insert.setObject(10, letter.legacyInboxId(), java.sql.Types.BIGINT);
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    private static void refresh(Connection connection, long id, DeadLetter letter) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE dead_letter SET failed_at = ?, route_id = ?, cause_type = ?, cause_message = ?,"
                        + " legacy_inbox_id = COALESCE(?, legacy_inbox_id) WHERE id = ?")) {
            // the payload stays the message as first received: that is what an operator replays; a newer HL7 v2
            // message of the record that failed too is the one to apply again, the older is behind it anyway
            update.setObject(1, PortalDatabase.utc(letter.failedAt()));
            update.setString(2, letter.routeId());
            update.setString(3, letter.causeType());
            update.setString(4, truncate(letter.cause(), 4000));
            update.setObject(5, letter.legacyInboxId(), java.sql.Types.BIGINT);
            update.setLong(6, id);
            update.executeUpdate();
        }
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
