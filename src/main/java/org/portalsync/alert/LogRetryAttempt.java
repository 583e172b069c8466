package org.portalsync.alert;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.SyncHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line before each retry, in place of Camel's own, which prints the exception's message
 * as the driver or library wrote it (with the value it choked on). Runs as the error handler's
 * {@code onRedeliveryRef} (routes/error-handling.yaml).
 */
public final class LogRetryAttempt implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(LogRetryAttempt.class);

    /** Exchange property: the retries made so far, for {@link RecordDeadLetter}'s "after n attempts". */
    static final String RETRIES_MADE = "portalSyncRetriesMade";

    /** The retries of one record; a split copies its parent's properties, whose retries were another record's. */
    record RetriesMade(String record, int count) {

        static int of(Exchange exchange) {
            RetriesMade made = exchange.getProperty(RETRIES_MADE, RetriesMade.class);
            String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class);
            return made != null && java.util.Objects.equals(made.record(), record) ? made.count() : 0;
        }
    }

    @Override
    public void process(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class);
        int retry = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class);
        int retries = exchange.getMessage().getHeader(Exchange.REDELIVERY_MAX_COUNTER, 0, Integer.class);
        // the dead-letter channel clears the counter header: the count it reports is kept here
        exchange.setProperty(RETRIES_MADE, new RetriesMade(record, retry));
        String route = java.util.Objects.requireNonNullElse(org.apache.camel.support.ExchangeHelper.getAtRouteId(exchange), "unknown");
        LOG.warn("Retry {} of {} for {}{} after {}: {}", retry, retries, route, record == null ? "" : " " + record,
                AlertKind.of(cause), SafeFailureText.of(cause));
    }
}
