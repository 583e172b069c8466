package org.portalsync.welcome;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.regex.Pattern;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A welcome the mail server did not accept: the row stays pending, with one more attempt and the
 * error, and the next run tries it again. After {@code portal-sync.welcome.max-attempts} the row is
 * given up and an alert raised, once; an operator who fixed the cause re-queues it by clearing
 * {@code given_up_at} and {@code attempts}. Mail errors quote addresses: they are left out.
 */
public final class RecordWelcomeFailure implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RecordWelcomeFailure.class);
    /** Anything shaped like an address, e.g. in "550 5.1.1 &lt;jane@example.org&gt;: Recipient address rejected". */
    private static final Pattern ADDRESS = Pattern.compile("[^\\s<>()\\[\\],;:\"']+@[^\\s<>()\\[\\],;:\"']+");

    private final PortalDatabase database;
    private final int maxAttempts;
    private final Clock clock;

    public RecordWelcomeFailure(PortalDatabase database, int maxAttempts, Clock clock) {
        this.database = database;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        long id = exchange.getProperty(MarkWelcomeSent.WELCOME_ID, Long.class);
        String error = describe(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class));
        Instant now = clock.instant();
        int attempts = database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE welcome_outbox SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?,"
                            + " given_up_at = CASE WHEN attempts + 1 >= ? THEN ? END WHERE id = ?")) {
                update.setObject(1, PortalDatabase.utc(now));
                update.setString(2, error);
                update.setInt(3, maxAttempts);
                update.setObject(4, PortalDatabase.utc(now));
                update.setLong(5, id);
                update.executeUpdate();
            }
            int tried;
            try (PreparedStatement select = connection.prepareStatement("SELECT attempts FROM welcome_outbox WHERE id = ?")) {
                select.setLong(1, id);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    tried = row.getInt(1);
                }
            }
            if (tried >= maxAttempts) {
                AlertLog.insert(connection, now, AlertKind.WELCOME_UNDELIVERED, null, "welcome_outbox/" + id + ": not sent after " + tried
                        + " attempts, no longer retried (to retry: set given_up_at and attempts to NULL and 0); last error: " + error, null);
            }
            return tried;
        });
        if (attempts >= maxAttempts) {
            LOG.error("ALERT {}: welcome_outbox/{} not sent after {} attempts, no longer retried: {}",
                    AlertKind.WELCOME_UNDELIVERED, id, attempts, error);
        } else {
            LOG.warn("welcome_outbox/{} not sent (attempt {} of {}), tried again next run: {}", id, attempts, maxAttempts, error);
        }
    }

    /** The failure's type and message, addresses left out, within the column's 2000 characters. */
    static String describe(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        String message = failure.getMessage() == null ? "" : ": " + ADDRESS.matcher(failure.getMessage()).replaceAll("<address>");
        String text = failure.getClass().getSimpleName() + message;
        return text.length() <= 2000 ? text : text.substring(0, 2000);
    }
}
