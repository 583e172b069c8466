package org.portalsync.webhook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.portalsync.portal.DuplicateKey;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalDatabase.TransactionalWork;
import org.portalsync.webhook.WebhookNotification.ResourceKey;

/**
 * The webhook inbox in the portal database ({@code webhook_inbox}, {@code webhook_inbox_item},
 * {@code webhook_claim}): requests stored before they are answered, the resources they name until
 * each is synced, and which worker syncs which resource now.
 */
public final class WebhookInbox {

    /** The outcome of a resource's rows: its sync ended in the portal, or in the dead-letter table. */
    public enum Outcome { SYNCED, DEAD_LETTERED }

    /** The statement for the newest pending row of each of some resources, up to its keys' placeholders. */
    public static final String NEWEST_PENDING_ROWS_SQL_START = "SELECT resource_id, MAX(id) FROM webhook_inbox_item"
            + " WHERE (source, resource_type, resource_id) IN (";

    /** How many rows of the oldest pending are read for each resource asked for. */
    private static final int ROWS_PER_RESOURCE = 4;

    private final PortalDatabase database;
    private final Duration claimTimeout;

    public WebhookInbox(PortalDatabase database, Duration claimTimeout) {
        this.database = database;
        this.claimTimeout = claimTimeout;
    }

    /**
     * Stores a request and the resources it names, in the caller's transaction.
     *
     * @return the request's inbox id
     * @throws ReplayedRequestException when its event id or signature was stored before
     */
    public long store(Connection connection, String source, String eventId, String signature, WebhookNotification notification,
            Instant now) throws SQLException {
        long inboxId;
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO webhook_inbox (source, event_id, signature, kind, "
                + "subscription, received_at) VALUES (?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, source);
            insert.setString(2, eventId);
            insert.setString(3, signature);
            insert.setString(4, notification.kind().stored());
            insert.setString(5, notification.subscription() == null ? null : notification.subscription().subscription());
            insert.setObject(6, PortalDatabase.utc(now));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                inboxId = keys.getLong(1);
            }
        } catch (SQLException e) {
            if (DuplicateKey.isCause(e)) {
                throw new ReplayedRequestException();
            }
            throw e;
        }
        if (!notification.resources().isEmpty()) {
            try (PreparedStatement item = connection.prepareStatement("INSERT INTO webhook_inbox_item (inbox_id, source, resource_type, "
                    + "resource_id, received_at) VALUES (?, ?, ?, ?, ?)")) {
                for (ResourceKey resource : notification.resources()) {
                    item.setLong(1, inboxId);
                    item.setString(2, source);
                    item.setString(3, resource.type());
                    item.setString(4, resource.id());
                    item.setObject(5, PortalDatabase.utc(now));
                    item.addBatch();
                }
                item.executeBatch();
            }
        }
        return inboxId;
    }

    /**
     * Claims a resource for one worker: true when it now holds it. A claim older than the claim
     * timeout (its worker died) is taken over.
     */
    public boolean claim(String source, ResourceKey resource, String worker, Instant now) {
        // mostly nobody holds it: one insert, its own transaction; only a claim found is looked at for its age
        if (insertClaim(source, resource, worker, now, false)) {
            return true;
        }
        return insertClaim(source, resource, worker, now, true);
    }

    /** @param takeOverStale first delete the resource's claim when it is older than the claim timeout (else: false) */
    private boolean insertClaim(String source, ResourceKey resource, String worker, Instant now, boolean takeOverStale) {
        TransactionalWork<Boolean> insertClaim = connection -> {
            if (takeOverStale) {
                try (PreparedStatement stale = connection.prepareStatement("DELETE FROM webhook_claim WHERE source = ? AND resource_type = ? "
                        + "AND resource_id = ? AND claimed_at < ?")) {
                    bind(stale, source, resource);
                    stale.setObject(4, PortalDatabase.utc(now.minus(claimTimeout)));
                    if (stale.executeUpdate() == 0) {
                        return false;
                    }
                }
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO webhook_claim (source, resource_type, resource_id, "
                    + "claimed_at, claimed_by) VALUES (?, ?, ?, ?, ?)")) {
                bind(insert, source, resource);
                insert.setObject(4, PortalDatabase.utc(now));
                insert.setString(5, worker);
                insert.executeUpdate();
                return true;
            }
        };
        try {
            return takeOverStale ? database.inTransaction(insertClaim) : database.inAutoCommit(insertClaim);
        } catch (RuntimeException e) {
            if (DuplicateKey.isCause(e)) {
                return false;
            }
            throw e;
        }
    }

    public void release(String source, ResourceKey resource, String worker) {
        database.inTransaction(connection -> {
            release(connection, source, resource, worker);
            return null;
        });
    }

    private static void release(Connection connection, String source, ResourceKey resource, String worker) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM webhook_claim WHERE source = ? AND resource_type = ? "
                + "AND resource_id = ? AND claimed_by = ?")) {
            bind(delete, source, resource);
            delete.setString(4, worker);
            delete.executeUpdate();
        }
    }

    /** The newest pending row of the resource, or null when none is pending. */
    public Long newestPending(String source, ResourceKey resource) {
        return database.inAutoCommit(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT MAX(id) FROM webhook_inbox_item WHERE source = ? "
                    + "AND resource_type = ? AND resource_id = ? AND done_at IS NULL")) {
                bind(select, source, resource);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    long id = row.getLong(1);
                    return row.wasNull() ? null : id;
                }
            }
        });
    }

    /**
     * Marks the resource's pending rows up to this id done (its sync, begun after they arrived, has ended)
     * and lets go of its claim, in one transaction.
     *
     * @return when the oldest of those rows arrived; empty when another worker had marked them already
     */
    public Optional<Instant> finish(String source, ResourceKey resource, long upTo, Outcome outcome, String worker, Instant now) {
        return database.inTransaction(connection -> {
            Instant oldest;
            try (PreparedStatement select = connection.prepareStatement("SELECT MIN(received_at) FROM webhook_inbox_item "
                    + "WHERE source = ? AND resource_type = ? AND resource_id = ? AND done_at IS NULL AND id <= ?")) {
                select.setString(1, source);
                select.setString(2, resource.type());
                select.setString(3, resource.id());
                select.setLong(4, upTo);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    oldest = PortalDatabase.instant(row.getObject(1, java.time.OffsetDateTime.class));
                }
            }
            try (PreparedStatement update = connection.prepareStatement("UPDATE webhook_inbox_item SET done_at = ?, outcome = ? "
                    + "WHERE source = ? AND resource_type = ? AND resource_id = ? AND done_at IS NULL AND id <= ?")) {
                update.setObject(1, PortalDatabase.utc(now));
                update.setString(2, outcome.name());
                update.setString(3, source);
                update.setString(4, resource.type());
                update.setString(5, resource.id());
                update.setLong(6, upTo);
                update.executeUpdate();
            }
            release(connection, source, resource, worker);
            return Optional.ofNullable(oldest);
        });
    }

    /**
     * Pending rows of a source, oldest first, at most {@code rows}: by {@code ix_webhook_inbox_item_done}, in its order
     * ({@code done_at} is null in all of them, so they come by id), so that the database reads only the rows returned
     * however many wait. An aggregate over all pending rows would cost a read of each of them per call, and a worker
     * calls this per batch: quadratic once the inbox is far behind (a replay of 100,000 notifications).
     */
    public static String oldestPendingSql(boolean ofOneType, boolean unclaimedOnly, int rows) {
        return "SELECT i.resource_type, i.resource_id FROM webhook_inbox_item i WHERE i.done_at IS NULL AND i.source = ?"
                + (ofOneType ? " AND i.resource_type = ?" : "")
                + (unclaimedOnly ? " AND NOT EXISTS (SELECT 1 FROM webhook_claim c WHERE c.source = i.source AND c.resource_type = "
                        + "i.resource_type AND c.resource_id = i.resource_id AND c.claimed_at >= ?)" : "")
                + " ORDER BY i.done_at, i.id FETCH FIRST " + rows + " ROWS ONLY";
    }

    /**
     * Resources with pending rows, oldest first, at most {@code limit}: those among the oldest {@code limit * 4} pending
     * rows (fewer resources when one has many of them; the rest come at the next sweep).
     */
    public List<ResourceKey> pending(String source, int limit) {
        return database.inAutoCommit(connection -> {
            try (PreparedStatement select = connection.prepareStatement(oldestPendingSql(false, false, limit * ROWS_PER_RESOURCE))) {
                select.setString(1, source);
                return List.copyOf(distinct(select, limit));
            }
        });
    }

    private static Set<ResourceKey> distinct(PreparedStatement select, int limit) throws SQLException {
        Set<ResourceKey> keys = new LinkedHashSet<>();
        try (ResultSet rows = select.executeQuery()) {
            while (keys.size() < limit && rows.next()) {
                keys.add(new ResourceKey(rows.getString(1), rows.getString(2)));
            }
        }
        return keys;
    }

    /**
     * Resources of one type with pending rows that no worker holds now, oldest first, at most {@code limit} (those among
     * the oldest {@code limit * 4} such rows), each with its newest pending row.
     */
    public Map<ResourceKey, Long> unclaimedPending(String source, String type, int limit, Instant now) {
        return database.inAutoCommit(connection -> {
            Set<ResourceKey> oldest;
            try (PreparedStatement select = connection.prepareStatement(oldestPendingSql(true, true, limit * ROWS_PER_RESOURCE))) {
                select.setString(1, source);
                select.setString(2, type);
                select.setObject(3, PortalDatabase.utc(now.minus(claimTimeout)));
                oldest = distinct(select, limit);
            }
            if (oldest.isEmpty()) {
                return Map.of();
            }
            Map<String, Long> newestById = newestPendingRows(connection, source, type, oldest);
            Map<ResourceKey, Long> newest = new LinkedHashMap<>();
            for (ResourceKey resource : oldest) {
                Long id = newestById.get(resource.id());
                if (id != null) {
                    newest.put(resource, id);
                }
            }
            return newest;
        });
    }

    /**
     * A resource's pending rows that no worker holds.
     *
     * @param newest           the newest of them
     * @param oldestReceivedAt when the oldest of them was received: how long the resource has waited
     */
    public record Unclaimed(long newest, Instant oldestReceivedAt) {
    }

    /**
     * The resource's pending rows when no worker holds it now; null when none is pending or
     * another worker holds it (that worker looks for rows that arrived during its sync after it lets go).
     * One read, where a claim attempt would be a write that mostly fails under a burst.
     */
    public Unclaimed unclaimed(String source, ResourceKey resource, Instant now) {
        return database.inAutoCommit(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT MAX(i.id), MIN(i.received_at) FROM webhook_inbox_item i "
                    + "WHERE i.source = ? AND i.resource_type = ? AND i.resource_id = ? AND i.done_at IS NULL AND NOT EXISTS ("
                    + "SELECT 1 FROM webhook_claim c WHERE c.source = i.source AND c.resource_type = i.resource_type "
                    + "AND c.resource_id = i.resource_id AND c.claimed_at >= ?)")) {
                bind(select, source, resource);
                select.setObject(4, PortalDatabase.utc(now.minus(claimTimeout)));
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    long id = row.getLong(1);
                    return row.wasNull() ? null : new Unclaimed(id, PortalDatabase.instant(row.getObject(2, OffsetDateTime.class)));
                }
            }
        });
    }

    /** Those of the resources (all of one type) that have a pending row. */
    public Set<ResourceKey> withPendingRows(String source, String type, Collection<ResourceKey> resources) {
        if (resources.isEmpty()) {
            return Set.of();
        }
        Set<String> pending = database.inAutoCommit(connection -> newestPendingRows(connection, source, type, resources).keySet());
        Set<ResourceKey> keys = new LinkedHashSet<>();
        resources.stream().filter(resource -> pending.contains(resource.id())).forEach(keys::add);
        return keys;
    }

    /** The newest pending row of each of the resources (all of one type) that has one, by resource id. */
    private static Map<String, Long> newestPendingRows(Connection connection, String source, String type, Collection<ResourceKey> resources)
            throws SQLException {
        // whole keys, as ix_webhook_inbox_item_resource holds them: H2 looks each up (PortalDatabase.rowPlaceholders)
        try (PreparedStatement select = connection.prepareStatement(NEWEST_PENDING_ROWS_SQL_START
                + PortalDatabase.rowPlaceholders(resources.size(), 3) + ") AND done_at IS NULL GROUP BY resource_id")) {
            int index = 1;
            for (ResourceKey resource : resources) {
                select.setString(index++, source);
                select.setString(index++, type);
                select.setString(index++, resource.id());
            }
            Map<String, Long> newest = new HashMap<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    newest.put(rows.getString(1), rows.getLong(2));
                }
            }
            return newest;
        }
    }

    private static void bind(PreparedStatement statement, String source, ResourceKey resource) throws SQLException {
        statement.setString(1, source);
        statement.setString(2, resource.type());
        statement.setString(3, resource.id());
    }

    /** The request's event id or signature is in the inbox already. */
    public static final class ReplayedRequestException extends RuntimeException {
        ReplayedRequestException() {
            super("event id or signature seen before", null, false, false);
        }
    }
}
