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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.portalsync.portal.DuplicateKey;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.webhook.WebhookNotification.ResourceKey;

/**
 * The webhook inbox in the portal database ({@code webhook_inbox}, {@code webhook_inbox_item},
 * {@code webhook_claim}): requests stored before they are answered, the resources they name until
 * each is synced, and which worker syncs which resource now.
 */
public final class WebhookInbox {

    /** The outcome of a resource's rows: its sync ended in the portal, or in the dead-letter table. */
    public enum Outcome { SYNCED, DEAD_LETTERED }

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
        try {
            return database.inTransaction(connection -> {
                try (PreparedStatement stale = connection.prepareStatement("DELETE FROM webhook_claim WHERE source = ? AND resource_type = ? "
                        + "AND resource_id = ? AND claimed_at < ?");
                        PreparedStatement insert = connection.prepareStatement("INSERT INTO webhook_claim (source, resource_type, resource_id, "
                                + "claimed_at, claimed_by) VALUES (?, ?, ?, ?, ?)")) {
                    bind(stale, source, resource);
                    stale.setObject(4, PortalDatabase.utc(now.minus(claimTimeout)));
                    stale.executeUpdate();
                    bind(insert, source, resource);
                    insert.setObject(4, PortalDatabase.utc(now));
                    insert.setString(5, worker);
                    insert.executeUpdate();
                    return true;
                }
            });
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
        return database.inTransaction(connection -> {
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

    /** Resources with pending rows, oldest first, at most {@code limit}. */
    public List<ResourceKey> pending(String source, int limit) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT resource_type, resource_id, MIN(id) AS first_id "
                    + "FROM webhook_inbox_item WHERE done_at IS NULL AND source = ? GROUP BY resource_type, resource_id "
                    + "ORDER BY first_id FETCH FIRST " + limit + " ROWS ONLY")) {
                select.setString(1, source);
                List<ResourceKey> keys = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        keys.add(new ResourceKey(rows.getString(1), rows.getString(2)));
                    }
                }
                return keys;
            }
        });
    }

    /** Resources of one type with pending rows that no worker holds now, oldest first, at most {@code limit}, each with its newest row. */
    public Map<ResourceKey, Long> unclaimedPending(String source, String type, int limit, Instant now) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT i.resource_id, MIN(i.id) AS first_id, MAX(i.id) "
                    + "FROM webhook_inbox_item i WHERE i.done_at IS NULL AND i.source = ? AND i.resource_type = ? AND NOT EXISTS ("
                    + "SELECT 1 FROM webhook_claim c WHERE c.source = i.source AND c.resource_type = i.resource_type "
                    + "AND c.resource_id = i.resource_id AND c.claimed_at >= ?) "
                    + "GROUP BY i.resource_id ORDER BY first_id FETCH FIRST " + limit + " ROWS ONLY")) {
                select.setString(1, source);
                select.setString(2, type);
                select.setObject(3, PortalDatabase.utc(now.minus(claimTimeout)));
                Map<ResourceKey, Long> newest = new LinkedHashMap<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        newest.put(new ResourceKey(type, rows.getString(1)), rows.getLong(3));
                    }
                }
                return newest;
            }
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
        return database.inTransaction(connection -> {
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
        return database.inTransaction(connection -> {
            // whole keys, as ix_webhook_inbox_item_resource holds them: H2 looks each up (PortalDatabase.rowPlaceholders)
            try (PreparedStatement select = connection.prepareStatement("SELECT DISTINCT resource_id FROM webhook_inbox_item"
                    + " WHERE (source, resource_type, resource_id) IN (" + PortalDatabase.rowPlaceholders(resources.size(), 3)
                    + ") AND done_at IS NULL")) {
                int index = 1;
                for (ResourceKey resource : resources) {
                    select.setString(index++, source);
                    select.setString(index++, type);
                    select.setString(index++, resource.id());
                }
                Set<ResourceKey> pending = new LinkedHashSet<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        pending.add(new ResourceKey(type, rows.getString(1)));
                    }
                }
                return pending;
            }
        });
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
