package org.portalsync.sync;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** Starts a new page of held records ({@link PageRecords}) before a chunk of records is split to the sync workers. */
public final class OpenPage implements Processor {

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(PageRecords.PROPERTY, new PageRecords());
    }
}
