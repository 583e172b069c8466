package org.portalsync.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** The body becomes the notices of critical alerts that some channel has not taken yet, one per channel. */
public final class ListUndeliveredAlerts implements Processor {

    /** Enough for one run; the rest go on the next. */
    private static final int BATCH = 100;

    private final AlertDeliveries deliveries;

    public ListUndeliveredAlerts(AlertDeliveries deliveries) {
        this.deliveries = deliveries;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(deliveries.undelivered(BATCH));
    }
}
