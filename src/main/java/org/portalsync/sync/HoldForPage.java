package org.portalsync.sync;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Keeps a mapped record for its page's one transaction ({@link DeliverPatientPage}) instead of
 * delivering it on its own. Outside a page loop (a refresh, a legacy source) there is no page: the
 * route delivers the record itself.
 */
public final class HoldForPage implements Processor {

    /** Header: true when the record waits for its page's delivery. */
    public static final String HELD = "PortalSyncHeldForPage";

    @Override
    public void process(Exchange exchange) {
        PageRecords page = exchange.getProperty(PageRecords.PROPERTY, PageRecords.class);
        Integer index = exchange.getProperty(Exchange.SPLIT_INDEX, Integer.class);
        if (page == null || index == null) {
            exchange.getMessage().setHeader(HELD, false);
            return;
        }
        page.add(index, new PageRecords.Held(exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class),
                exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class), exchange.getMessage().getBody(),
                exchange.getProperty(SyncHeaders.SOURCE_RESOURCE)));
        exchange.getMessage().setHeader(HELD, true);
    }
}
