package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;

/**
 * Whether a feed is still in its initial load: from the start of the first poll that read it until
 * a poll first read it to its end. Kept in the database ({@code sync_initial_load}), not decided
 * from the high-water mark, because a first load that failed on page 3 already has a mark and its
 * next poll is still loading what the EHR held before the engine was connected.
 */
public final class SyncInitialLoads {

    private final PortalDatabase database;
    private final Clock clock;

    public SyncInitialLoads(PortalDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Notes that a poll starts reading the feed; does nothing when its initial load began before. */
    public void begin(String source, String feed) {
        database.inTransaction(connection -> {
            if (!exists(connection, source, feed)) {
                insert(connection, source, feed, false);
            }
            return null;
        });
    }

    /** Notes that a poll read the feed to its end; only the first time counts. */
    public void complete(String source, String feed) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE sync_initial_load SET completed_at = ? WHERE source = ? AND feed = ? AND completed_at IS NULL")) {
                update.setObject(1, PortalDatabase.utc(clock.instant()));
                update.setString(2, source);
                update.setString(3, feed);
                update.executeUpdate();
            }
            if (!exists(connection, source, feed)) {
                insert(connection, source, feed, true);
            }
            return null;
        });
    }

    private void insert(Connection connection, String source, String feed, boolean completed) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO sync_initial_load (source, feed, started_at, completed_at) VALUES (?, ?, ?, ?)")) {
            insert.setString(1, source);
            insert.setString(2, feed);
            insert.setObject(3, PortalDatabase.utc(clock.instant()));
            insert.setObject(4, completed ? PortalDatabase.utc(clock.instant()) : null);
            insert.executeUpdate();
        }
    }

    /** @return true once a poll read the feed to its end: its initial load is over */
    public boolean completed(String source, String feed) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT 1 FROM sync_initial_load WHERE source = ? AND feed = ? AND completed_at IS NOT NULL")) {
                select.setString(1, source);
                select.setString(2, feed);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next();
                }
            }
        });
    }

    /** As {@link #inProgress(Connection, String, String)}, in a transaction of its own. */
    public boolean inProgress(String source, String feed) {
        return database.inTransaction(connection -> inProgress(connection, source, feed));
    }

    /**
     * @return true while the feed's initial load has begun and not yet completed; false before any poll
     *     (a record synced on request, or from a source that is not polled, is not part of one)
     */
    public boolean inProgress(Connection connection, String source, String feed) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT 1 FROM sync_initial_load WHERE source = ? AND feed = ? AND completed_at IS NULL")) {
            select.setString(1, source);
            select.setString(2, feed);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    private static boolean exists(Connection connection, String source, String feed) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM sync_initial_load WHERE source = ? AND feed = ?")) {
            select.setString(1, source);
            select.setString(2, feed);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }
}
