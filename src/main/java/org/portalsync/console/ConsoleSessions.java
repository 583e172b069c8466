package org.portalsync.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

import org.portalsync.portal.PortalDatabase;

/**
 * Console sessions, kept in {@code console_session} (every instance honours them). A session id is 32 random
 * bytes; the table keeps its SHA-256 only. A session not used for {@code portal-sync.console.session-timeout}
 * is over: the next request with it finds nothing and signs in again.
 */
public final class ConsoleSessions {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final PortalDatabase database;
    private final Duration timeout;
    private final Clock clock;

    public ConsoleSessions(PortalDatabase database, Duration timeout, Clock clock) {
        this.database = database;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** A new session, with ids no earlier session had (a session id is never carried over a sign-in). */
    public ConsoleSession open(ConsoleUser user) {
        ConsoleSession session = new ConsoleSession(randomToken(), user.name(), user.role(), randomToken());
        Instant now = clock.instant();
        database.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO console_session (id_hash, username, user_role, csrf_token,"
                    + " created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, hash(session.id()));
                insert.setString(2, session.username());
                insert.setString(3, session.role().configName());
                insert.setString(4, session.csrfToken());
                insert.setObject(5, PortalDatabase.utc(now));
                insert.setObject(6, PortalDatabase.utc(now));
                insert.executeUpdate();
            }
            // sessions that timed out are of no use to anyone
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM console_session WHERE last_seen_at < ?")) {
                delete.setObject(1, PortalDatabase.utc(now.minus(timeout)));
                delete.executeUpdate();
            }
            return null;
        });
        return session;
    }

    /** The live session of this id, its idle time restarted; empty when there is none or it timed out (then it is ended). */
    public Optional<ConsoleSession> use(String id) {
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return database.inTransaction(connection -> {
            ConsoleSession session;
            Instant lastSeen;
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT username, user_role, csrf_token, last_seen_at FROM console_session WHERE id_hash = ?")) {
                select.setString(1, hash(id));
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return Optional.<ConsoleSession>empty();
                    }
                    session = new ConsoleSession(id, row.getString(1), ConsoleRole.of(row.getString(2)).orElse(ConsoleRole.VIEWER), row.getString(3));
                    lastSeen = row.getObject(4, OffsetDateTime.class).toInstant();
                }
            }
            if (lastSeen.plus(timeout).isBefore(now)) {
                end(connection, id);
                return Optional.<ConsoleSession>empty();
            }
            try (PreparedStatement touch = connection.prepareStatement("UPDATE console_session SET last_seen_at = ? WHERE id_hash = ?")) {
                touch.setObject(1, PortalDatabase.utc(now));
                touch.setString(2, hash(id));
                touch.executeUpdate();
            }
            return Optional.of(session);
        });
    }

    public void end(String id) {
        if (id != null) {
            database.inTransaction(connection -> {
                end(connection, id);
                return null;
            });
        }
    }

    public Duration timeout() {
        return timeout;
    }

    private static void end(java.sql.Connection connection, String id) throws java.sql.SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM console_session WHERE id_hash = ?")) {
            delete.setString(1, hash(id));
            delete.executeUpdate();
        }
    }

    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String hash(String id) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
