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
 * How many deletions one SOAP read may infer at once ({@code portal-sync.source.soap.deletions-max-percent} of the
 * candidates, at least {@link #ALWAYS_ALLOWED}), and what becomes of more: none is made, a warning at each read, and a
 * {@link AlertKind#SOAP_DELETIONS_HELD} alert for the source once a day while it lasts. A service that answers a short
 * list by mistake must not archive the practice, nor empty its calendars.
 */
public final class SoapDeletionLimit {

    /** Deletions one read may always make, however few the candidates. */
    static final int ALWAYS_ALLOWED = 5;

    private static final Logger LOG = LoggerFactory.getLogger(SoapDeletionLimit.class);

    private final int maxPercent;
    private final PortalDatabase database;
    private final Clock clock;

    public SoapDeletionLimit(int maxPercent, PortalDatabase database, Clock clock) {
        this.maxPercent = maxPercent;
        this.database = database;
        this.clock = clock;
    }

    /** @return the most deletions one read may make of this many candidates */
    public int of(int candidates) {
        return Math.max(ALWAYS_ALLOWED, candidates * maxPercent / 100);
    }

    /** Holds back deletions over the limit. @param message what was held and why; names counts, never a record's values */
    public void hold(String source, String message) {
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
