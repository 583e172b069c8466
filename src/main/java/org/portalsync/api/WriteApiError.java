package org.portalsync.api;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.SafeFailureText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an API route's failure into its answer: a refusal into its 4xx, a body that is not the
 * expected JSON into 400, anything else into 500. The body is always
 * {@code {"error": "<code>", "message": "<text>"}}: no stack trace, no exception class, no value
 * the client sent. A 500 is logged with a text that names no patient data ({@link SafeFailureText}).
 */
public final class WriteApiError implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(WriteApiError.class);

    @Override
    public void process(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure instanceof ApiRefusal refusal) {
            ApiResponses.error(exchange, refusal.status(), refusal.code(), refusal.getMessage());
        } else if (failure instanceof InvalidJsonException invalid) {
            ApiResponses.error(exchange, 400, "invalid_json", invalid.getMessage());
        } else {
            LOG.error("API request {} {} failed in route {}: {}", exchange.getIn().getHeader(Exchange.HTTP_METHOD),
                    exchange.getIn().getHeader(Exchange.HTTP_PATH), exchange.getFromRouteId(), SafeFailureText.of(failure));
            ApiResponses.error(exchange, 500, "internal_error", ApiResponses.INTERNAL_ERROR);
        }
    }
}
