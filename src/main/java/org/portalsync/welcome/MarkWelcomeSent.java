package org.portalsync.welcome;

import java.sql.PreparedStatement;
import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/**
 * The last step of sending a welcome, reached only after the mail server accepted it: marks the
 * row processed, so that it is never sent again.
 */
public final class MarkWelcomeSent implements Processor {

    /** Property: the {@code welcome_outbox.id} being sent. */
    public static final String WELCOME_ID = "portalSyncWelcomeId";

    private final PortalDatabase database;
    private final Clock clock;

    public MarkWelcomeSent(PortalDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        long id = exchange.getProperty(WELCOME_ID, Long.class);
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE welcome_outbox SET processed_at = ?, last_attempt_at = ?, attempts = attempts + 1 WHERE id = ?")) {
                update.setObject(1, PortalDatabase.utc(clock.instant()));
                update.setObject(2, PortalDatabase.utc(clock.instant()));
                update.setLong(3, id);
                update.executeUpdate();
            }
            return null;
        });
    }
}
