package org.portalsync.source.hl7v2;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * An operator's replay of a record of an HL7 v2 message (routes/console-dead-letters.yaml): the message (body: its
 * inbox id) is made to wait to be applied again, as the automatic re-sync does ({@link ReopenDeadLetteredHl7v2Messages}).
 */
public final class ReopenHl7v2Message implements Processor {

    private final Hl7v2Inbox inbox;

    public ReopenHl7v2Message(Hl7v2Inbox inbox) {
        this.inbox = inbox;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        inbox.reopen(exchange.getMessage().getMandatoryBody(Long.class));
    }
}
