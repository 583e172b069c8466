package org.portalsync.testing;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The JDK HTTP client as the tests use it against the engine's servers: HTTP/1.1, as Prometheus, curl and a portal's
 * backend speak to a plain-HTTP server. The JDK's default, HTTP/2, asks a plain-HTTP server to upgrade the connection
 * (h2c); once, a metrics scrape sent that way got no answer in 14 minutes while the same server answered other
 * requests at once, and the suite hung.
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
