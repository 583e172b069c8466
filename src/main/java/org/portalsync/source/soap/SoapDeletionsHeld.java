package org.portalsync.source.soap;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletions a SOAP read inferred and held back, being more than its limit: a warning at each read, and a
 * {@link AlertKind#SOAP_DELETIONS_HELD} alert for the source once a day while it lasts.
 */
public final class SoapDeletionsHeld {

    private static final Logger LOG = LoggerFactory.getLogger(SoapDeletionsHeld.class);

    private final PortalDatabase database;
    private final Clock clock;

    public SoapDeletionsHeld(PortalDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** @param message what was held and why; names counts, never a record's values */
    public void raise(String source, String message) {
        LOG.warn(message);
        Instant now = clock.instant();
        boolean raised = database.inTransaction(connection -> {
            try (PreparedStatement recent = connection.prepareStatement("SELECT COUNT(*) FROM alert WHERE kind = ? AND source = ? AND raised_at >= ?")) {
                recent.setString(1, AlertKind.SOAP_DELETIONS_HELD.name());
                recent.setString(2, source);
                recent.setObject(3, PortalDatabase.utc(now.minus(Duration.ofDays(1))));
                try (ResultSet count = recent.executeQuery()) {
                    count.next();
                    if (count.getLong(1) > 0) {
                        return false;
                    }
                }
            }
            AlertLog.insert(connection, now, AlertKind.SOAP_DELETIONS_HELD, source, message, null);
            return true;
        });
        if (raised) {
            LOG.error("ALERT {}: {}", AlertKind.SOAP_DELETIONS_HELD, message);
        }
    }
}
