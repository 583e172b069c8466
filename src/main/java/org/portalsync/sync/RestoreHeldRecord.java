package org.portalsync.sync;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Turns a held record of a page ({@link PageRecords.Held}) back into the exchange the single-record route expects. */
public final class RestoreHeldRecord implements Processor {

    @Override
    public void process(Exchange exchange) throws Exception {
        PageRecords.Held held = exchange.getMessage().getMandatoryBody(PageRecords.Held.class);
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, held.source());
        exchange.getMessage().setHeader(SyncHeaders.RECORD, held.record());
        exchange.setProperty(SyncHeaders.SOURCE_RESOURCE, held.sourceResource());
        exchange.getMessage().setBody(held.body());
    }
}
