package org.portalsync.source.hl7v2;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** The inbox rows still to apply (left by a restart, a full queue or a worker that stopped), oldest first, as the body. */
public final class ListWaitingHl7v2Messages implements Processor {

    private static final int LIMIT = 1000;

    private final Hl7v2Inbox inbox;
    private final Clock clock;

    public ListWaitingHl7v2Messages(Hl7v2Inbox inbox, Clock clock) {
        this.inbox = inbox;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(inbox.waiting(clock.instant(), LIMIT));
    }
}
