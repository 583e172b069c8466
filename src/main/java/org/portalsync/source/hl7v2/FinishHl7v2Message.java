package org.portalsync.source.hl7v2;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Marks an applied inbox row done (its sync ended, synced or dead-lettered) and puts the next waiting rows of
 * the same sender and record, and of the same sender and patient, in the body (a list, often empty), so that a
 * patient's later messages follow at once.
 */
public final class FinishHl7v2Message implements Processor {

    private final Hl7v2Inbox inbox;
    private final Clock clock;

    public FinishHl7v2Message(Hl7v2Inbox inbox, Clock clock) {
        this.inbox = inbox;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        long id = exchange.getMessage().getHeader(AcceptHl7v2Message.STORED_ID, Long.class);
        exchange.getMessage().setBody(inbox.done(id, clock.instant()));
    }
}
