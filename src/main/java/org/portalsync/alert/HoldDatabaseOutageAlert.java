package org.portalsync.alert;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts a failure to reach the portal database into the PORTAL_DB_DOWN alert held in memory
 * ({@link DatabaseOutage}): a dead letter that went to the journal instead, or the alert route's own
 * query. The body becomes what the channels have not taken yet, to be sent at once.
 */
public final class HoldDatabaseOutageAlert implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.alert");

    private final DatabaseOutage outage;
    private final Clock clock;

    public HoldDatabaseOutageAlert(DatabaseOutage outage, Clock clock) {
        this.outage = outage;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (exchange.getMessage().getHeader(RecordDeadLetter.JOURNALLED_ALERT) != null) {
            outage.failed(clock.instant(), "the portal database is unreachable: dead letters are kept in the local journal"
                    + " (portal-sync.journal.dir) and imported when it is back");
        } else if (failure != null && AlertKind.of(failure) == AlertKind.PORTAL_DB_DOWN) {
            outage.failed(clock.instant(), "the portal database is unreachable: " + SafeFailureText.of(failure));
        } else if (failure != null) {
            LOG.warn("The alert route failed ({}); it tries again next run", SafeFailureText.of(failure));
        }
        exchange.getMessage().setBody(outage.undelivered());
    }
}
