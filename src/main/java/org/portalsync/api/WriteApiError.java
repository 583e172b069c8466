package org.portalsync.api;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.portal.PortalDatabaseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an API route's failure into its answer: a refusal into its 4xx, a body that is not the
 * expected JSON into 400, a portal database that cannot be reached (down, or closing while the
 * engine stops) into 503 with {@code Retry-After} (nothing was stored; the client sends it again),
 * anything else into 500. The body is always
 * {@code {"error": "<code>", "message": "<text>"}}: no stack trace, no exception class, no value
 * the client sent. A 500 is logged with a text that names no patient data ({@link SafeFailureText}).
 */
public final class WriteApiError implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(WriteApiError.class);
    /** A database that is down is seldom back within a second; a restart takes a few. */
    static final String DATABASE_RETRY_AFTER_SECONDS = "5";

    @Override
    public void process(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure instanceof ApiRefusal refusal) {
            ApiResponses.error(exchange, refusal.status(), refusal.code(), refusal.getMessage());
        } else if (failure instanceof InvalidJsonException invalid) {
            ApiResponses.error(exchange, 400, "invalid_json", invalid.getMessage());
        } else if (PortalDatabaseException.unreachable(failure)) {
            LOG.warn("API request {} {} failed in route {}, answered 503: {}", exchange.getIn().getHeader(Exchange.HTTP_METHOD),
                    exchange.getIn().getHeader(Exchange.HTTP_PATH), exchange.getFromRouteId(), SafeFailureText.of(failure));
            exchange.getMessage().setHeader("Retry-After", DATABASE_RETRY_AFTER_SECONDS);
            ApiResponses.error(exchange, 503, "unavailable", "The portal database cannot be reached; nothing was stored. Try again in a moment.");
        } else {
            LOG.error("API request {} {} failed in route {}: {}", exchange.getIn().getHeader(Exchange.HTTP_METHOD),
                    exchange.getIn().getHeader(Exchange.HTTP_PATH), exchange.getFromRouteId(), SafeFailureText.of(failure));
            ApiResponses.error(exchange, 500, "internal_error", ApiResponses.INTERNAL_ERROR);
        }
    }
}
