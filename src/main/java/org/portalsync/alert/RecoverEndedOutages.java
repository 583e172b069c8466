package org.portalsync.alert;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends the outages a later successful call shows are over, so that their "recovered" notice goes out. */
public final class RecoverEndedOutages implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RecoverEndedOutages.class);

    private final AlertDeliveries deliveries;
    private final Clock clock;

    public RecoverEndedOutages(AlertDeliveries deliveries, Clock clock) {
        this.deliveries = deliveries;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        int ended = deliveries.recoverOutages(clock.instant());
        if (ended > 0) {
            LOG.info("{} outage(s) ended: a call of the same kind succeeded", ended);
        }
    }
}
