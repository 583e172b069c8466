package org.portalsync.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduled run failed and what it left is taken up by the next run: said once, as an error, with a
 * text that quotes no value ({@link SafeFailureText}).
 */
public final class LogRunFailure implements Processor {

    private final Logger log;
    private final String what;

    /** @param what the failed run and what becomes of its work, e.g. "The digest was not sent; its entries stay for the next one" */
    public LogRunFailure(String logName, String what) {
        this.log = LoggerFactory.getLogger(logName);
        this.what = what;
    }

    @Override
    public void process(Exchange exchange) {
        log.error("{} ({})", what, SafeFailureText.of(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class)));
    }
}
