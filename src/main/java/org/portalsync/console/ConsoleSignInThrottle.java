package org.portalsync.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import org.portalsync.portal.PortalDatabase;

/**
 * Slows password guessing: a name with {@code max-failures} failed sign-ins since its last success, within
 * {@code lockout}, is refused, right password or not, until the oldest of them is older than the lockout.
 * Counted from the audit trail, so the count holds across instances and restarts and needs no state of its own.
 */
public final class ConsoleSignInThrottle {

    private final PortalDatabase database;
    private final int maxFailures;
    private final Duration lockout;
    private final Clock clock;

    public ConsoleSignInThrottle(PortalDatabase database, int maxFailures, Duration lockout, Clock clock) {
        this.database = database;
        this.maxFailures = maxFailures;
        this.lockout = lockout;
        this.clock = clock;
    }

    public boolean lockedOut(String name) {
        Instant since = clock.instant().minus(lockout);
        return database.inTransaction(connection -> {
            Instant from = since;
            try (PreparedStatement select = connection.prepareStatement("SELECT MAX(occurred_at) FROM audit_event WHERE actor = ? AND action = ?"
                    + " AND result <> ? AND occurred_at >= ?")) {
                select.setString(1, name);
                select.setString(2, ConsoleAudit.SIGN_IN);
                select.setString(3, ConsoleAudit.SIGN_IN_FAILED);
                select.setObject(4, PortalDatabase.utc(since));
                try (ResultSet row = select.executeQuery()) {
                    OffsetDateTime success = row.next() ? row.getObject(1, OffsetDateTime.class) : null;
                    if (success != null) {
                        from = success.toInstant();
                    }
                }
            }
            try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM audit_event WHERE actor = ? AND action = ?"
                    + " AND result = ? AND occurred_at > ?")) {
                count.setString(1, name);
                count.setString(2, ConsoleAudit.SIGN_IN);
                count.setString(3, ConsoleAudit.SIGN_IN_FAILED);
                count.setObject(4, PortalDatabase.utc(from));
                try (ResultSet row = count.executeQuery()) {
                    row.next();
                    return row.getLong(1) >= maxFailures;
                }
            }
        });
    }

    public Duration lockout() {
        return lockout;
    }
}
