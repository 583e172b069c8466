package org.portalsync.source.fhir;

import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HttpsSupport;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP client for the FHIR source's requests: classic (blocking) Apache HttpClient 5 with a connection pool.
 *
 * <p>Not the JDK's {@code java.net.http} client: that one hands every response from its selector thread to a
 * worker thread, chunk by chunk, and in a long sync its threads used more CPU than the rest of the engine did
 * to map and store the records (README "Benchmark"). Here the thread that asks reads the answer from the
 * socket itself.
 *
 * <p>It does nothing on its own that {@link FhirSourceClient} must decide and audit: no redirects (a token
 * must not follow one off the EHR's origin), no automatic retries (each request is one audit row, and 429/503
 * are waited out by their Retry-After there), no cookies, no authentication of its own.
 *
 * <p>It does ask for gzip: a FHIR server that streams its JSON (HAPI FHIR writes a search page in some 2,700
 * chunks of 25 bytes) sends the same page gzipped in two chunks, a tenth of the bytes, which spares both sides
 * a system call per chunk. The answer is inflated as it is read.
 */
public final class EhrHttpClients {

    /** TLS 1.2 is the floor for PHI in transit (HIPAA guidance); 1.3 preferred. */
    public static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Per EHR host: the page prefetch, the sync workers' reads and the other feeds can each hold one at a time. */
    private static final int CONNECTIONS_PER_HOST = 20;
    /** A pooled connection idle this long is checked before it is used again: the EHR may have closed it. */
    private static final TimeValue CHECK_AFTER_IDLE = TimeValue.ofSeconds(2);

    private EhrHttpClients() {
    }

    /**
     * @param connectTimeout to open a connection, and to wait for a free one in the pool
     * @param readTimeout the longest the EHR may stay silent while the engine waits for (the rest of) an answer
     */
    public static CloseableHttpClient pooled(Duration connectTimeout, Duration readTimeout) {
        SSLContext tls;
        try {
            tls = SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no TLS in this Java runtime", e);
        }
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(tls, TLS_PROTOCOLS.toArray(String[]::new), null,
                        SSLBufferMode.STATIC, HttpsSupport.getDefaultHostnameVerifier()))
                .setMaxConnPerRoute(CONNECTIONS_PER_HOST)
                .setMaxConnTotal(2 * CONNECTIONS_PER_HOST)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(readTimeout))
                        .setValidateAfterInactivity(CHECK_AFTER_IDLE)
                        .build())
                .build();
        return HttpClients.custom()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(Timeout.of(connectTimeout))
                        .setResponseTimeout(Timeout.of(readTimeout))
                        .setRedirectsEnabled(false)
                        .build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .build();
    }
}
