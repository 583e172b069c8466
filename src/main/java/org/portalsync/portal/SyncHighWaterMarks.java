package org.portalsync.portal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * How far each feed of each source has been read. Kept in the database, not in memory, so that a
 * restarted or second instance goes on where the last committed page ended.
 */
public final class SyncHighWaterMarks {

    private final PortalDatabase database;
    private final Clock clock;

    public SyncHighWaterMarks(PortalDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public Optional<Instant> read(String source, String feed) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT high_water_mark FROM sync_high_water_mark WHERE source = ? AND feed = ?")) {
                select.setString(1, source);
                select.setString(2, feed);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next() ? Optional.of(rows.getObject(1, OffsetDateTime.class).toInstant()) : Optional.empty();
                }
            }
        });
    }

    /** Moves the mark forward to {@code mark}; never backwards (a re-read page must not rewind it). */
    public void advance(String source, String feed, Instant mark) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE sync_high_water_mark SET high_water_mark = ?, updated_at = ? WHERE source = ? AND feed = ? AND high_water_mark < ?")) {
                update.setObject(1, PortalDatabase.utc(mark));
                update.setObject(2, PortalDatabase.utc(clock.instant()));
                update.setString(3, source);
                update.setString(4, feed);
                update.setObject(5, PortalDatabase.utc(mark));
                if (update.executeUpdate() == 1) {
                    return null;
                }
            }
            try (PreparedStatement exists = connection.prepareStatement(
                    "SELECT 1 FROM sync_high_water_mark WHERE source = ? AND feed = ?")) {
                exists.setString(1, source);
                exists.setString(2, feed);
                try (ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        return null;
                    }
                }
            }
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO sync_high_water_mark (source, feed, high_water_mark, updated_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, source);
                insert.setString(2, feed);
                insert.setObject(3, PortalDatabase.utc(mark));
                insert.setObject(4, PortalDatabase.utc(clock.instant()));
                insert.executeUpdate();
            }
            return null;
        });
    }
}
