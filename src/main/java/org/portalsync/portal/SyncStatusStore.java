package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/** Per-record sync status the portal shows: last success, pending changes, last error. */
public final class SyncStatusStore {

    public void succeeded(Connection connection, String source, String sourceId, Instant now) throws SQLException {
        atOnce(connection, writes -> succeeded(writes, source, sourceId, now));
    }

    /** As {@link #succeeded(Connection, String, String, Instant)}, held in {@code writes}. */
    public void succeeded(StatementBatches writes, String source, String sourceId, Instant now) throws SQLException {
        upsert(writes, source, sourceId, now, true, null);
    }

    /** A record found already in sync (e.g. re-read after a dead letter): a pending status becomes a success. */
    public void clearPending(StatementBatches writes, String source, String sourceId, Instant now) throws SQLException {
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
        atOnce(connection, writes -> failed(writes, source, sourceId, error, now));
    }

    /** As {@link #failed(Connection, String, String, String, Instant)}, held in {@code writes}. */
    public void failed(StatementBatches writes, String source, String sourceId, String error, Instant now) throws SQLException {
        upsert(writes, source, sourceId, now, false, error);
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

    private static void upsert(StatementBatches writes, String source, String sourceId, Instant now, boolean success, String error)
            throws SQLException {
        String truncated = error == null || error.length() <= 2000 ? error : error.substring(0, 2000);
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
                batches -> batches.write("INSERT INTO patient_sync_status (source, source_id, last_attempt_at, last_success_at, pending_changes,"
                        + " last_error, last_error_at) VALUES (?, ?, ?, ?, ?, ?, ?)", insert -> {
                            insert.setString(1, source);
                            insert.setString(2, sourceId);
                            insert.setObject(3, PortalDatabase.utc(now));
                            insert.setObject(4, success ? PortalDatabase.utc(now) : null);
                            insert.setBoolean(5, !success);
                            insert.setString(6, truncated);
                            insert.setObject(7, success ? null : PortalDatabase.utc(now));
                        }));
    }
}
