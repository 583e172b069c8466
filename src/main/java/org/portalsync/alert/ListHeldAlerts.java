package org.portalsync.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** The body becomes the notices of the alert this engine holds in memory that some channel has not taken yet. */
public final class ListHeldAlerts implements Processor {

    private final DatabaseOutage outage;

    public ListHeldAlerts(DatabaseOutage outage) {
        this.outage = outage;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(outage.undelivered());
    }
}
