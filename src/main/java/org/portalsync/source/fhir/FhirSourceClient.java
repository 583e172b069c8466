package org.portalsync.source.fhir;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntPredicate;

import org.apache.hc.client5.http.classic.methods.HttpDelete;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.routing.RoutingSupport;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.auth.AccessTokenSource;
import org.portalsync.auth.AuthenticationFailedException;

/**
 * Sends GET requests to a FHIR R4 EHR the way every route must: bearer token, no cached answers
 * ({@code Cache-Control: no-cache}, the field guide's stale-data pitfall), one audit row per request,
 * a 401 answered by one token refresh and one retry, a 429/503 with {@code Retry-After} waited out
 * (up to a limit). Anything else that fails is thrown as a typed exception for the route's error
 * handler to retry and dead-letter. A URL outside the EHR's own origin is refused before the
 * token is sent ({@link EhrOrigin}).
 */
public final class FhirSourceClient {

    private static final int MAX_RETRY_AFTER_WAITS = 3;
    /**
     * Most bytes of an answer read whole (a search page, a resource, a status), counted after gzip is
     * inflated: a page of a thousand patients is a few MiB, and a runaway page or a compression bomb
     * must fail its request, not exhaust the engine's heap.
     */
    static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;

    private static final ContentType FHIR_JSON = ContentType.create("application/fhir+json", StandardCharsets.UTF_8);

    private final CloseableHttpClient http;
    private final EhrOrigin origin;
    private final AccessTokenSource tokens;
    private final AuditTrail audit;
    private final String actor;
    private final Duration readTimeout;
    private final Duration maxRetryAfter;
    private final Clock clock;

    /**
     * @param http a pooled blocking client ({@link EhrHttpClients#pooled}): it holds the connection to the EHR
     *        between requests and enforces the timeouts
     * @param baseUrl the EHR's configured FHIR base URL: requests go only to its origin
     * @param readTimeout the timeout {@code http} was built with, for the messages that name it
     */
    public FhirSourceClient(CloseableHttpClient http, String baseUrl, AccessTokenSource tokens, AuditTrail audit, String actor,
            Duration readTimeout, Duration maxRetryAfter, Clock clock) {
        this.http = http;
        this.origin = EhrOrigin.of(baseUrl);
        this.tokens = tokens;
        this.audit = audit;
        this.actor = actor;
        this.readTimeout = readTimeout;
        this.maxRetryAfter = maxRetryAfter;
        this.clock = clock;
    }

    /**
     * @param action what the request does, for the audit row, e.g. {@code Patient.search}
     * @return the response when it is 2xx, 404 or 410
     */
    public FhirResponse get(String url, String action) {
        return send(url, action, HttpGet::new, Set.of(404, 410));
    }

    /**
     * A search whose every match fits its first page: {@code Cache-Control: no-store} tells the server not
     * to keep the results for paging (HAPI FHIR then runs it at once instead of registering a search) and
     * any cache on the way not to keep the PHI in the answer.
     *
     * @return the response when it is 2xx, 404 or 410
     */
    public FhirResponse getOnePage(String url, String action) {
        return send(url, action, uri -> {
            HttpGet request = new HttpGet(uri);
            request.setHeader("Cache-Control", "no-store, no-cache");
            return request;
        }, Set.of(404, 410));
    }

    /**
     * Creates a resource (POST to the type's URL) as a conditional create: {@code ifNoneExist} is a search
     * (e.g. {@code identifier=system|value}) that finds the resource if an earlier attempt created it, so a
     * retried create (after a timeout, a 5xx) never makes a second one.
     */
    public FhirResponse create(String typeUrl, String resourceJson, String ifNoneExist, String action) {
        return send(typeUrl, action, uri -> {
            HttpPost request = new HttpPost(uri);
            request.setHeader("Content-Type", "application/fhir+json");
            request.setHeader("Prefer", "return=representation");
            request.setHeader("If-None-Exist", ifNoneExist);
            request.setEntity(new StringEntity(resourceJson, FHIR_JSON));
            return request;
        }, Set.of());
    }

    /**
     * Updates a resource only if the EHR still holds the version the engine read (FHIR's optimistic
     * locking): {@code PUT} with {@code If-Match: W/"<version>"}.
     *
     * @return the response when it is 2xx (the resource as stored, when the EHR sends it), or {@code 412} or
     *         {@code 409} (someone changed the resource since: read it again). FHIR names 412 for an If-Match
     *         mismatch; HAPI FHIR servers answer 409 for it.
     */
    public FhirResponse update(String url, String resourceJson, String version, String action) {
        return send(url, action, uri -> {
            HttpPut request = new HttpPut(uri);
            request.setHeader("Content-Type", "application/fhir+json");
            request.setHeader("If-Match", "W/\"" + version + "\"");
            request.setHeader("Prefer", "return=representation");
            request.setEntity(new StringEntity(resourceJson, FHIR_JSON));
            return request;
        }, Set.of(409, 412));
    }

    private FhirResponse send(String url, String action, Function<URI, ClassicHttpRequest> method, Set<Integer> answered) {
        return text(exchange(onOrigin(url, action), action, "application/fhir+json", method, answered::contains, true), action);
    }

    /**
     * Kicks off an asynchronous request (FHIR Bulk Data {@code $export}): {@code Prefer: respond-async}.
     *
     * @return the response when it is 2xx (the kick-off answers 202 with {@code Content-Location})
     */
    public FhirResponse kickOff(String url, String action) {
        return send(url, action, uri -> {
            HttpGet request = new HttpGet(uri);
            request.setHeader("Prefer", "respond-async");
            return request;
        }, Set.of());
    }

    /**
     * Polls the status URL of an asynchronous request. A failed job answers 4xx or 5xx with an OperationOutcome
     * (Bulk Data IG, "Status Request"), which only the caller can tell from a passing fault: every status but
     * 401 (token renewed), 408, 429 and 503 (waited out or retried as usual) is returned.
     */
    public FhirResponse status(String url, String action) {
        return text(exchange(onOrigin(url, action), action, "application/json", HttpGet::new,
                status -> status != 401 && status != 408 && status != 429 && status != 503, true), action);
    }

    /** Deletes (or cancels) an asynchronous request's job. @return the response when it is 2xx or 404 (already gone or finished) */
    public FhirResponse delete(String url, String action) {
        return send(url, action, HttpDelete::new, Set.of(404, 410));
    }

    /**
     * Downloads a file as a stream, for the caller to read piece by piece and close: a Bulk Data export file may
     * hold more than the heap. Audited, authorised and retried like every other request.
     *
     * @param accept the file's media type, e.g. {@code application/fhir+ndjson}
     */
    public InputStream download(String url, String action, String accept) {
        return download(onOrigin(url, action), action, accept, true);
    }

    /**
     * Downloads a file that needs no access token (a Bulk Data manifest with {@code requiresAccessToken: false}: the
     * EHR hands out signed links to a file store, often on another host). No token is sent, wherever the link
     * points, so the link may leave the EHR's origin; it must then be https (plain http only to a loopback address).
     */
    public InputStream downloadWithoutToken(String url, String action, String accept) {
        return download(anyOrigin(url, action), action, accept, false);
    }

    private InputStream download(URI uri, String action, String accept, boolean withToken) {
        ClassicHttpResponse response = exchange(uri, action, accept, HttpGet::new, status -> false, withToken);
        HttpEntity entity = response.getEntity();
        try {
            InputStream body = entity == null ? InputStream.nullInputStream() : entity.getContent();
            // closing the stream gives the connection back to the pool (or drops it, if the file was not read to its end)
            return new FilterInputStream(body) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        response.close();
                    }
                }
            };
        } catch (IOException e) {
            closeQuietly(response);
            throw new EhrUnavailableException("EHR broke off " + action + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Reads the whole body as text (the charset of its Content-Type, else UTF-8) and frees the connection. */
    private static FhirResponse text(ClassicHttpResponse response, String action) {
        try (response) {
            HttpEntity entity = response.getEntity();
            String body = entity == null ? "" : bounded(entity, action, response.getCode());
            return new FhirResponse(response.getCode(), body, headers(response));
        } catch (IOException e) {
            throw new EhrUnavailableException("EHR broke off its answer to " + action + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static String bounded(HttpEntity entity, String action, int status) throws IOException {
        ContentType type = ContentType.parseLenient(entity.getContentType());
        java.nio.charset.Charset charset = type == null || type.getCharset() == null ? StandardCharsets.UTF_8 : type.getCharset();
        try (InputStream in = entity.getContent()) {
            if (in == null) {
                return "";
            }
            byte[] answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
            if (answer.length > MAX_ANSWER_BYTES) {
                throw new EhrServerErrorException("EHR answered " + action + " with more than " + (MAX_ANSWER_BYTES >> 20)
                        + " MiB (inflated); not read", status);
            }
            return new String(answer, charset);
        }
    }

    private static HttpHeaders headers(ClassicHttpResponse response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : response.getHeaders()) {
            headers.computeIfAbsent(header.getName(), name -> new ArrayList<>()).add(header.getValue());
        }
        return HttpHeaders.of(headers, (name, value) -> true);
    }

    /**
     * Sends the request, and again after a token refresh or a Retry-After wait.
     *
     * @return the open response when it is 2xx or {@code answered}: the caller reads its body and closes it
     */
    private ClassicHttpResponse exchange(URI uri, String action, String accept, Function<URI, ClassicHttpRequest> method,
            IntPredicate answered, boolean withToken) {
        boolean refreshedToken = false;
        int retryAfterWaits = 0;
        while (true) {
            String token = withToken ? tokens.accessToken() : null;
            ClassicHttpRequest request = method.apply(uri);
            request.setHeader("Accept", accept);
            if (!request.containsHeader("Cache-Control")) {
                request.setHeader("Cache-Control", "no-cache");
            }
            if (token != null) {
                request.setHeader("Authorization", "Bearer " + token);
            }
            Instant sentAt = clock.instant();
            ClassicHttpResponse response;
            try {
                response = http.executeOpen(RoutingSupport.determineHost(request), request, null);
            } catch (SocketTimeoutException e) {
                // a read timeout, or ConnectTimeoutException: no connection within the connect timeout
                record(sentAt, action, uri, "failure: timeout");
                throw new EhrUnavailableException("EHR did not answer " + action + " within " + readTimeout.toSeconds() + " s", e);
            } catch (IOException | HttpException e) {
                record(sentAt, action, uri, "failure: " + e.getClass().getSimpleName());
                throw new EhrUnavailableException("EHR unreachable at " + uri.getHost() + ":" + uri.getPort() + " ("
                        + e.getClass().getSimpleName() + ")", e);
            }
            int status = response.getCode();
            record(sentAt, action, uri, status < 300 ? "success" : auditFailure(status));
            if (status < 300 || answered.test(status)) {
                return response;
            }
            HttpHeaders headers = headers(response);
            // the error's body is not needed: read it away, so the connection can serve the next request
            closeQuietly(response);
            if (status == 401 && withToken) {
                if (token == null || refreshedToken) {
                    throw new AuthenticationFailedException("EHR refused " + action + " with HTTP 401 even with a fresh access token");
                }
                tokens.invalidate(token);
                refreshedToken = true;
                continue;
            }
            Optional<Duration> retryAfter = retryAfter(headers);
            if ((status == 429 || status == 503) && retryAfter.isPresent() && retryAfterWaits < MAX_RETRY_AFTER_WAITS
                    && retryAfter.get().compareTo(maxRetryAfter) <= 0) {
                retryAfterWaits++;
                sleep(retryAfter.get());
                continue;
            }
            String failure = "EHR answered " + action + " with HTTP " + status
                    + retryAfter.map(d -> " (Retry-After " + d.toSeconds() + " s)").orElse("");
            if (status == 429) {
                throw new EhrRateLimitedException(failure);
            }
            // 502, 503 and 504 say the EHR behind its gateway is not there: an outage, like a refused connection
            if (status >= 500 && status != 502 && status != 503 && status != 504) {
                throw new EhrServerErrorException(failure, status);
            }
            // 408: the server gave up waiting for our request (RFC 9110 section 15.5.9), a timeout like any other
            if (status == 408 || status >= 500) {
                throw new EhrUnavailableException(failure);
            }
            throw new EhrRequestRejectedException("EHR rejected " + action + " with HTTP " + status, status);
        }
    }

    private static void closeQuietly(ClassicHttpResponse response) {
        try {
            EntityUtils.consume(response.getEntity());
            response.close();
        } catch (IOException e) {
            // the connection is dropped instead of reused: nothing is lost
        }
    }

    /**
     * The URL, if it is on the EHR's origin; else the request is refused before anything is sent.
     * The message names the two origins, not the whole link (its query may carry search values).
     */
    private URI onOrigin(String url, String action) {
        URI uri = link(url, action);
        if (!origin.contains(uri)) {
            String target = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
            record(clock.instant(), action, uri, "refused: not the EHR's origin");
            throw new UnsafeLinkException("refused " + action + " to " + target + ": not the EHR's origin " + origin
                    + " (portal-sync.source.fhir.base-url); nothing was sent, no access token left the engine");
        }
        return uri;
    }

    /** A link that carries no token: any host, over https (or http to a loopback address, as in a test set-up). */
    private URI anyOrigin(String url, String action) {
        URI uri = link(url, action);
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean loopbackHttp = "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null
                && (uri.getHost().equals("127.0.0.1") || uri.getHost().equalsIgnoreCase("localhost") || uri.getHost().equals("[::1]"));
        if (uri.getHost() == null || !(https || loopbackHttp) && !origin.contains(uri)) {
            record(clock.instant(), action, uri, "refused: not https");
            throw new UnsafeLinkException("refused " + action + " to " + uri.getScheme() + "://" + uri.getHost()
                    + ": a file link off the EHR's origin must be https; nothing was sent");
        }
        return uri;
    }

    private static URI link(String url, String action) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new UnsafeLinkException("refused " + action + ": the EHR's link is not a valid URL, not sent");
        }
    }

    /** The audit row's result for a request answered with this (non-2xx) status, e.g. {@code failure: HTTP 404}. */
    static String auditFailure(int status) {
        return "failure: HTTP " + status;
    }

    /** Retry-After is either delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
    public Optional<Duration> retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").map(String::trim).flatMap(value -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value))));
            } catch (NumberFormatException notSeconds) {
                try {
                    Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration wait = Duration.between(clock.instant(), at);
                    return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
                } catch (RuntimeException notDate) {
                    return Optional.empty();
                }
            }
        });
    }

    private void record(Instant at, String action, URI uri, String result) {
        String resource = uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
        audit.record(new AuditEvent(at, actor, action, resource, uri.getHost(), result));
    }

    private static void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EhrUnavailableException("interrupted while waiting out Retry-After", e);
        }
    }
}
