package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Per-record sync status the portal shows: last success, pending changes, last error. */
public final class SyncStatusStore {

    /** What a transaction knows of a record's status row before it writes it. */
    public enum Known {
        /** not read: an update, and an insert if it matched nothing */
        UNKNOWN,
        /** no row yet */
        ABSENT,
        /** a row without pending changes */
        SETTLED,
        /** a row with pending changes (a failure, a dead letter) */
        PENDING
    }

    /**
     * Reads the status rows of many records of a source in one statement (a page of a poll).
     *
     * @return by source id; a record without a row is {@link Known#ABSENT}
     */
    public Map<String, Known> readAhead(Connection connection, String source, List<String> sourceIds) throws SQLException {
        Map<String, Known> known = new HashMap<>();
        sourceIds.forEach(id -> known.put(id, Known.ABSENT));
        if (sourceIds.isEmpty()) {
            return known;
        }
        try (PreparedStatement select = connection.prepareStatement("SELECT source_id, pending_changes FROM patient_sync_status"
                + " WHERE (source, source_id) IN (" + PortalDatabase.rowPlaceholders(sourceIds.size(), 2) + ")")) {
            PortalPatientStore.setKeys(select, source, sourceIds);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    known.put(rows.getString(1), rows.getBoolean(2) ? Known.PENDING : Known.SETTLED);
                }
            }
        }
        return known;
    }

    public void succeeded(Connection connection, String source, String sourceId, Instant now) throws SQLException {
        atOnce(connection, writes -> succeeded(writes, source, sourceId, now, Known.UNKNOWN));
    }

    /** As {@link #succeeded(Connection, String, String, Instant)}, held in {@code writes}. */
    public void succeeded(StatementBatches writes, String source, String sourceId, Instant now, Known known) throws SQLException {
        upsert(writes, source, sourceId, now, true, null, known);
    }

    /** A record found already in sync (e.g. re-read after a dead letter): a pending status becomes a success. */
    public void clearPending(StatementBatches writes, String source, String sourceId, Instant now, Known known) throws SQLException {
        if (known != Known.UNKNOWN && known != Known.PENDING) {
            return;
        }
        writes.write("UPDATE patient_sync_status SET last_attempt_at = ?, last_success_at = ?, pending_changes = FALSE"
                + " WHERE source = ? AND source_id = ? AND pending_changes = TRUE", update -> {
                    update.setObject(1, PortalDatabase.utc(now));
                    update.setObject(2, PortalDatabase.utc(now));
                    update.setString(3, source);
                    update.setString(4, sourceId);
                });
    }

    /** @param error what went wrong, without PHI (record, field, problem) */
    public void failed(Connection connection, String source, String sourceId, String error, Instant now) throws SQLException {
        atOnce(connection, writes -> failed(writes, source, sourceId, error, now, Known.UNKNOWN));
    }

    /** As {@link #failed(Connection, String, String, String, Instant)}, held in {@code writes}. */
    public void failed(StatementBatches writes, String source, String sourceId, String error, Instant now, Known known) throws SQLException {
        upsert(writes, source, sourceId, now, false, error, known);
    }

    private interface Write {
        void to(StatementBatches writes) throws SQLException;
    }

    private static void atOnce(Connection connection, Write write) throws SQLException {
        try (StatementBatches writes = new StatementBatches(connection)) {
            write.to(writes);
            writes.flush();
        }
    }

    private static void upsert(StatementBatches writes, String source, String sourceId, Instant now, boolean success, String error,
            Known known) throws SQLException {
        String truncated = error == null || error.length() <= 2000 ? error : error.substring(0, 2000);
        StatementBatches.Otherwise insert = batches -> batches.write("INSERT INTO patient_sync_status (source, source_id, last_attempt_at,"
                + " last_success_at, pending_changes, last_error, last_error_at) VALUES (?, ?, ?, ?, ?, ?, ?)", row -> {
                    row.setString(1, source);
                    row.setString(2, sourceId);
                    row.setObject(3, PortalDatabase.utc(now));
                    row.setObject(4, success ? PortalDatabase.utc(now) : null);
                    row.setBoolean(5, !success);
                    row.setString(6, truncated);
                    row.setObject(7, success ? null : PortalDatabase.utc(now));
                });
        if (known == Known.ABSENT) {
            insert.write(writes);
            return;
        }
        writes.update(success
                ? "UPDATE patient_sync_status SET last_attempt_at = ?, last_success_at = ?, pending_changes = FALSE WHERE source = ? AND source_id = ?"
                : "UPDATE patient_sync_status SET last_attempt_at = ?, last_error_at = ?, last_error = ?, pending_changes = TRUE WHERE source = ? AND source_id = ?",
                update -> {
                    int i = 1;
                    update.setObject(i++, PortalDatabase.utc(now));
                    update.setObject(i++, PortalDatabase.utc(now));
                    if (!success) {
                        update.setString(i++, truncated);
                    }
                    update.setString(i++, source);
                    update.setString(i, sourceId);
                },
                // no status yet: the record's first
                insert);
    }
}
