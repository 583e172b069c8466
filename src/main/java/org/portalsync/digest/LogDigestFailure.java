package org.portalsync.digest;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.SafeFailureText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The digest did not go out: said with a text that quotes no address; its rows stay unreported, so the next digest carries them. */
public final class LogDigestFailure implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.digest");

    @Override
    public void process(Exchange exchange) {
        LOG.error("The data-quality digest was not sent ({}); its entries stay for the next one",
                SafeFailureText.of(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)));
    }
}
