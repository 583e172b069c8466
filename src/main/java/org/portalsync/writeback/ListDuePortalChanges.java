package org.portalsync.writeback;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Sets the body to the ids of the portal changes due now, oldest first (at most a bounded batch per sweep). */
public final class ListDuePortalChanges implements Processor {

    private static final int BATCH = 500;

    private final PortalChangeStore changes;
    private final Clock clock;

    public ListDuePortalChanges(PortalChangeStore changes, Clock clock) {
        this.changes = changes;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(changes.due(clock.instant(), BATCH));
    }
}
