package org.portalsync.testing;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The JDK HTTP client as the tests use it against the engine's servers: HTTP/1.1, as Prometheus and curl speak to a
 * plain-HTTP server, with timeouts. Once, a metrics scrape that asked for the HTTP/2 upgrade (h2c, the JDK's default)
 * got no answer in 14 minutes and the suite hung; the engine now answers such requests in HTTP/1.1 (Http1OnlyVertx,
 * checked by HealthIT), and a hung request fails here rather than holding up the suite.
 */
public final class TestHttp {

    /** Long enough for any answer of a busy engine on a shared machine; a request that waits longer failed. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private TestHttp() {
    }

    public static HttpClient.Builder builder() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5));
    }

    public static HttpClient client() {
        return builder().build();
    }
}
