package org.portalsync.api;

import java.util.Locale;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;

/**
 * The API's answers carry only headers that belong to an answer. Camel's HTTP consumers copy every
 * message header into the response, and a request's headers are message headers: without this, the
 * {@code X-API-Key} of a request (and its Host, Cookie, Transfer-Encoding) would be echoed back.
 */
public final class ApiHeaderFilterStrategy extends HttpHeaderFilterStrategy {

    static final Set<String> RESPONSE_HEADERS = Set.of("content-type", "allow", "location", "etag", "last-modified", "retry-after",
            "cache-control", "content-language", "vary");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !RESPONSE_HEADERS.contains(headerName.toLowerCase(Locale.ROOT))
                || super.applyFilterToCamelHeaders(headerName, headerValue, exchange);
    }
}
