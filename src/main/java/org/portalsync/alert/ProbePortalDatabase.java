package org.portalsync.alert;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/** While this engine holds a PORTAL_DB_DOWN alert, asks the database whether it answers again: then the outage has ended. */
public final class ProbePortalDatabase implements Processor {

    private final PortalDatabase database;
    private final DatabaseOutage outage;
    private final Clock clock;

    public ProbePortalDatabase(PortalDatabase database, DatabaseOutage outage, Clock clock) {
        this.database = database;
        this.outage = outage;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        if (!outage.ongoing()) {
            return;
        }
        try {
            database.inTransaction(connection -> {
                try (var probe = connection.prepareStatement("SELECT 1"); var rows = probe.executeQuery()) {
                    return rows.next();
                }
            });
            outage.reachable(clock.instant());
        } catch (RuntimeException stillDown) {
            // still down: the held alert stands, and the next run asks again
        }
    }
}
