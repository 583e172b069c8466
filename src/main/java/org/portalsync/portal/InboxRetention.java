package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes the inbox rows the engine no longer needs: webhook requests and HL7 v2 messages whose work
 * ended longer ago than the retention. A row whose work has not ended (pending, claimed) is never
 * deleted, however old. Each table is walked in primary-key order, a batch per transaction, and the walk
 * stops at the first row received after the cutoff: ids grow with arrival, so only the old head of a
 * table and one batch past it are read, and no index beyond the primary key is needed.
 */
public final class InboxRetention {

    /** Rows read (and at most deleted) per transaction: short transactions, so the sync never waits long on a lock. */
    static final int BATCH = 500;

    /** What one purge deleted. */
    public record Purged(long webhookRequests, long webhookResources, long hl7v2Messages) {
        public long total() {
            return webhookRequests + webhookResources + hl7v2Messages;
        }
    }

    private final PortalDatabase database;

    public InboxRetention(PortalDatabase database) {
        this.database = database;
    }

    /**
     * An inbox table, as the walk reads it: {@code deletable} is a condition on its row {@code t} with one
     * parameter, the cutoff; {@code stillDeletable} is checked again as the row is deleted, with none, since
     * the engine may have taken the row up meanwhile.
     */
    private record InboxTable(String name, String deletable, String stillDeletable) {
    }

    /** A webhook resource: synced or dead-lettered before the cutoff. Purged before the requests, which may then follow. */
    private static final InboxTable WEBHOOK_RESOURCES = new InboxTable("webhook_inbox_item",
            "t.done_at IS NOT NULL AND t.done_at < ?", "t.done_at IS NOT NULL");
    private static final String NO_RESOURCE_LEFT = "NOT EXISTS (SELECT 1 FROM webhook_inbox_item i WHERE i.inbox_id = t.id)";
    /** A webhook request: received before the cutoff, none of its resources left (or none ever: a heartbeat). */
    private static final InboxTable WEBHOOK_REQUESTS = new InboxTable("webhook_inbox",
            NO_RESOURCE_LEFT + " AND t.received_at < ?", NO_RESOURCE_LEFT);
    /** No open dead letter names the message: the re-sync, or an operator, may still have to apply it again. */
    private static final String NO_OPEN_DEAD_LETTER = "NOT EXISTS (SELECT 1 FROM dead_letter d WHERE d.legacy_inbox_id = t.id"
            + " AND d.status IN ('NEW', 'NEEDS_OPERATOR'))";
    /** An HL7 v2 message: applied before the cutoff, and no open dead letter names it. */
    private static final InboxTable HL7V2_MESSAGES = new InboxTable("legacy_inbox",
            "t.status = 'DONE' AND t.done_at < ? AND " + NO_OPEN_DEAD_LETTER, "t.status = 'DONE' AND " + NO_OPEN_DEAD_LETTER);

    /** Deletes what ended before {@code cutoff}. */
    public Purged purge(Instant cutoff) {
        long resources = walk(WEBHOOK_RESOURCES, cutoff);
        long requests = walk(WEBHOOK_REQUESTS, cutoff);
        long messages = walk(HL7V2_MESSAGES, cutoff);
        return new Purged(requests, resources, messages);
    }

    /** @return rows deleted */
    private long walk(InboxTable table, Instant cutoff) {
        long deleted = 0;
        long after = 0;
        while (true) {
            long from = after;
            Batch batch = database.inTransaction(connection -> deleteBatch(connection, table, cutoff, from));
            deleted += batch.deleted();
            if (batch.done()) {
                return deleted;
            }
            after = batch.lastId();
        }
    }

    /** @param done the walk reached a row received after the cutoff, or the table's end */
    private record Batch(long lastId, boolean done, int deleted) {
    }

    private static Batch deleteBatch(Connection connection, InboxTable table, Instant cutoff, long after) throws SQLException {
        List<Long> deletable = new ArrayList<>();
        long lastId = after;
        int read = 0;
        boolean reachedCutoff = false;
        String page = "SELECT t.id, t.received_at, CASE WHEN " + table.deletable() + " THEN 1 ELSE 0 END FROM " + table.name()
                + " t WHERE t.id > ? ORDER BY t.id FETCH FIRST " + BATCH + " ROWS ONLY";
        try (PreparedStatement select = connection.prepareStatement(page)) {
            select.setObject(1, PortalDatabase.utc(cutoff));
            select.setLong(2, after);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    read++;
                    if (!rows.getObject(2, OffsetDateTime.class).toInstant().isBefore(cutoff)) {
                        reachedCutoff = true;
                        break;
                    }
                    lastId = rows.getLong(1);
                    if (rows.getInt(3) == 1) {
                        deletable.add(lastId);
                    }
                }
            }
        }
        int deleted = 0;
        if (!deletable.isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table.name() + " t WHERE t.id IN ("
                    + PortalDatabase.placeholders(deletable.size()) + ") AND " + table.stillDeletable())) {
                for (int i = 0; i < deletable.size(); i++) {
                    delete.setLong(i + 1, deletable.get(i));
                }
                deleted = delete.executeUpdate();
            }
        }
        return new Batch(lastId, reachedCutoff || read < BATCH, deleted);
    }
}
