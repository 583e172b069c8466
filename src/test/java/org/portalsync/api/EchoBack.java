package org.portalsync.api;

import java.util.List;

import org.apache.camel.Exchange;

/** The test routes' last step: answers the body or path parameter it was given, or fails as an unexpected error would. */
public class EchoBack {

    public record EchoRequest(String name, Integer count, List<String> tags) {
    }

    public void echo(Exchange exchange) {
        EchoRequest request = exchange.getMessage().getBody(EchoRequest.class);
        if ("explode".equals(request.name())) {
            throw new IllegalStateException("internal detail at org.portalsync.Secret.line(Secret.java:42)");
        }
        ApiResponses.json(exchange, 200, request);
    }

    public void path(Exchange exchange) {
        ApiResponses.json(exchange, 200, java.util.Map.of("id", ApiPath.parameter(exchange, "id")));
    }
}
