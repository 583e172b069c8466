package org.portalsync.alert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import org.portalsync.portal.PortalDatabase;
import org.slf4j.LoggerFactory;

/**
 * Writes alert rows, inside the caller's transaction: the one place that does, so that every row has
 * its kind (the cause), severity and source, and storm control holds for every writer.
 * <p>
 * Storm control: an outage kind ({@link AlertKind#outage()}) has one open row per source while the
 * outage lasts. A failure within {@code window} of the last one counts into it (occurrences, last
 * occurrence) instead of adding a row; the outage ends with a successful call (recovered, see
 * {@link AlertDeliveries#recoverOutages}), or when no failure came for a whole window, after which a
 * failure is a new outage with a new alert. Other kinds concern one record each and get a row each.
 */
public final class AlertLog {

    /** Alert rows of failures that name no source (a page, the engine itself). */
    public static final String NO_SOURCE = "engine";

    private final Duration window;

    public AlertLog(Duration window) {
        this.window = window;
    }

    /** @return the id of the alert row that stands for this failure: a new one, or the open outage's */
    public long raise(Connection connection, Instant at, AlertKind kind, String source, String message, Long deadLetterId)
            throws SQLException {
        String from = source == null || source.isBlank() ? NO_SOURCE : source;
        if (!kind.outage()) {
            return insert(connection, at, kind, from, message, deadLetterId, null);
        }
        String key = kind.name() + "|" + from;
        Long open = countIntoOpen(connection, key, at);
        if (open != null) {
            return open;
        }
        // a first failure on two threads (or instances) at once: the unique open_key lets one insert,
        // the other counts into its row
        Savepoint before = connection.setSavepoint();
        try {
            return insert(connection, at, kind, from, message, deadLetterId, key);
        } catch (SQLException duplicate) {
            if (!"23505".equals(duplicate.getSQLState())) {
                throw duplicate;
            }
            connection.rollback(before);
            Long other = countIntoOpen(connection, key, at);
            if (other == null) {
                throw duplicate;
            }
            return other;
        }
    }

    /** Counts this failure into the open outage, or closes an outage quiet for a whole window; null when none is open now. */
    private Long countIntoOpen(Connection connection, String key, Instant at) throws SQLException {
        long id;
        Instant last;
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, COALESCE(last_raised_at, raised_at) FROM alert WHERE open_key = ? FOR UPDATE")) {
            select.setString(1, key);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return null;
                }
                id = row.getLong(1);
                last = PortalDatabase.instant(row.getObject(2, java.time.OffsetDateTime.class));
            }
        }
        if (last.plus(window).isBefore(at)) {
            try (PreparedStatement close = connection.prepareStatement("UPDATE alert SET open_key = NULL WHERE id = ?")) {
                close.setLong(1, id);
                close.executeUpdate();
            }
            return null;
        }
        try (PreparedStatement count = connection.prepareStatement(
                "UPDATE alert SET occurrences = occurrences + 1, last_raised_at = ? WHERE id = ?")) {
            count.setObject(1, PortalDatabase.utc(at.isAfter(last) ? at : last));
            count.setLong(2, id);
            count.executeUpdate();
        }
        return id;
    }

    /**
     * An alert row of its own in a transaction of its own, for what the engine notices outside a route's failure (a
     * mapping file rejected by its reload); a database that cannot take it is logged, not thrown at the caller.
     */
    public static void raise(PortalDatabase database, Instant at, AlertKind kind, String message) {
        try {
            database.inTransaction(connection -> insert(connection, at, kind, null, message, null));
        } catch (RuntimeException e) {
            LoggerFactory.getLogger(AlertLog.class).warn("No alert row for {} ({})", kind, e.getClass().getSimpleName());
        }
    }

    /** An alert row of its own, for a kind that is about one record (a welcome, a portal change, a surge of 404s). */
    public static long insert(Connection connection, Instant at, AlertKind kind, String source, String message, Long deadLetterId)
            throws SQLException {
        return insert(connection, at, kind, source == null || source.isBlank() ? NO_SOURCE : source, message, deadLetterId, null);
    }

    private static long insert(Connection connection, Instant at, AlertKind kind, String source, String message, Long deadLetterId,
            String openKey) throws SQLException {
        try (PreparedStatement alert = connection.prepareStatement(
                "INSERT INTO alert (raised_at, last_raised_at, severity, kind, source, message, dead_letter_id, open_key)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            alert.setObject(1, PortalDatabase.utc(at));
            alert.setObject(2, PortalDatabase.utc(at));
            alert.setString(3, kind.severity());
            alert.setString(4, kind.name());
            alert.setString(5, source);
            alert.setString(6, message.length() <= 4000 ? message : message.substring(0, 4000));
            if (deadLetterId == null) {
                alert.setNull(7, java.sql.Types.BIGINT);
            } else {
                alert.setLong(7, deadLetterId);
            }
            alert.setString(8, openKey);
            alert.executeUpdate();
            try (ResultSet keys = alert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }
}
