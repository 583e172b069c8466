package org.portalsync.api;

import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;

/**
 * platform-http's engine bound to the API's server by its port. Camel's own engine finds the port by looking for the
 * one HTTP server in the context; with the metrics and health server beside it there are two, and it falls back to
 * port 8080, so the API's routes found no server on any other port and did not start.
 */
final class ApiPlatformHttpEngine extends VertxPlatformHttpEngine {

    private final int port;

    /** @param port the API's configured port; 0 (any free port): the router registered for a dynamic port is used */
    ApiPlatformHttpEngine(int port) {
        this.port = port;
    }

    @Override
    public int getServerPort() {
        return port != 0 ? port : super.getServerPort();
    }
}
