package org.portalsync.api;

import org.apache.camel.Exchange;

/**
 * The path parameters of an API request ({@code id} of {@code /api/v1/patients/{source}/{id}/changes}).
 * platform-http puts them among the message headers, after the request's headers and query
 * parameters of the same name: a client that also sends {@code id: 7} or {@code ?id=7} makes the
 * header a list. Read them here, where such a request is refused instead of half-believed.
 */
public final class ApiPath {

    private ApiPath() {
    }

    /**
     * @throws ApiRefusal 400 when a header or query parameter of the same name came with the request
     */
    public static String parameter(Exchange exchange, String name) {
        Object value = exchange.getIn().getHeader(name);
        if (!(value instanceof String text) || text.isBlank()) {
            throw ApiRefusal.badRequest("The path parameter " + name + " is missing, or a header or query parameter of that name "
                    + "was sent too.");
        }
        return text;
    }
}
