package org.portalsync.source.hl7v2;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;

/**
 * Marks an applied inbox row done (its sync ended, synced or dead-lettered) and puts the next waiting row of
 * the same sender and record in the body, or null, so that a patient's later messages follow at once.
 */
public final class FinishHl7v2Message implements Processor {

    private final Hl7v2Inbox inbox;
    private final Clock clock;
    private final SyncMetrics metrics;

    public FinishHl7v2Message(Hl7v2Inbox inbox, Clock clock, SyncMetrics metrics) {
        this.inbox = inbox;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) {
        long id = exchange.getMessage().getHeader(AcceptHl7v2Message.STORED_ID, Long.class);
        SyncOutcome outcome = exchange.getMessage().getHeader(SyncHeaders.OUTCOME, SyncOutcome.class);
        if (outcome != null) {
            metrics.recordOutcome(exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class),
                    SyncMetrics.resourceType(exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class)), outcome);
        }
        exchange.getMessage().setBody(inbox.done(id, clock.instant()).orElse(null));
    }
}
