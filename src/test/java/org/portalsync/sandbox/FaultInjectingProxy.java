package org.portalsync.sandbox;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP reverse proxy in front of the sandbox EHR that misbehaves on request: 5xx, 429 with
 * Retry-After, latency, dropped connections, edited bodies, a dead upstream. It forwards every
 * method, path, query, header and body, and rewrites the upstream's absolute URLs in response
 * bodies and Location headers to its own address, so FHIR paging ({@code next} links) keeps going
 * through the proxy.
 *
 * <p>Faults queue up and are consumed in the order they were added, one per request: each request
 * takes the oldest queued fault whose path filter matches it (a filter is a substring of the
 * request path, e.g. {@code "/fhir/Patient"}, so the token endpoint can be left alone), else it is
 * forwarded untouched. {@link #delayAll}, {@link #down} and {@link #failEvery} are standing states on
 * top of that.
 * All methods are thread-safe.
 *
 * <p>{@code Accept-Encoding} is not forwarded (it is still recorded), so upstream bodies arrive
 * uncompressed and can be rewritten.
 */
public final class FaultInjectingProxy implements AutoCloseable {

    /** One request as the proxy received it, before any fault was applied. */
    public record RecordedRequest(String method, String pathAndQuery, Map<String, List<String>> headers, String body) {
        /** First value of a header, case-insensitive, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public String toString() {
            return method + " " + pathAndQuery;
        }
    }

    /** One response forwarded from the upstream, as the client received it (after any rewriting). */
    public record RecordedResponse(String pathAndQuery, int status, String body) {
        @Override
        public String toString() {
            return status + " " + pathAndQuery;
        }
    }

    /** A standing fault: every request whose path and query contain {@code pathAndQueryContains} gets {@code status}. */
    private record StandingFailure(String pathAndQueryContains, int status) {
    }

    private enum Kind { FAIL, RATE_LIMIT, DELAY, DROP, REWRITE, STILL_RUNNING }

    private static final class Fault {
        final Kind kind;
        final String pathContains;
        final int status;
        final Duration delay;
        final UnaryOperator<String> rewrite;
        /** Only requests with this method, or any when null. */
        String method;
        /** The OperationOutcome issue code of a FAIL. */
        String issueCode = "transient";
        int remaining;

        Fault(Kind kind, int times, String pathContains, int status, Duration delay, UnaryOperator<String> rewrite) {
            if (times < 1) {
                throw new IllegalArgumentException("a fault must apply to at least 1 request, was " + times);
            }
            this.kind = kind;
            this.remaining = times;
            this.pathContains = pathContains;
            this.status = status;
            this.delay = delay;
            this.rewrite = rewrite;
        }

        boolean matches(String requestMethod, String path) {
            return (method == null || method.equals(requestMethod)) && (pathContains == null || path.contains(pathContains));
        }
    }

    /** Hop-by-hop and client-managed headers (RFC 9110 section 7.6.1), plus ones java.net.http sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length", "expect", "accept-encoding");
    private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "transfer-encoding",
            "content-length", "date");

    private final String target;
    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final String baseUrl;
    private final Pattern upstreamUrl;
    private final List<Fault> faults = new ArrayList<>();
    private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<RecordedResponse> responses = Collections.synchronizedList(new ArrayList<>());
    private final List<StandingFailure> standingFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger requestCount = new AtomicInteger();
    private volatile Duration delayAll = Duration.ZERO;
    private volatile int downStatus = -1; // -1 up, 0 drop connections, else respond with this status

    /**
     * Starts a proxy on a free 127.0.0.1 port.
     *
     * @param targetBaseUrl scheme, host and port of the upstream, e.g. {@code http://127.0.0.1:8080}
     *     (a path, if given, is ignored: the proxy forwards paths unchanged)
     */
    public FaultInjectingProxy(String targetBaseUrl) {
        URI uri = URI.create(targetBaseUrl);
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("target must be scheme://host:port, was " + targetBaseUrl);
        }
        this.target = uri.getScheme() + "://" + uri.getAuthority();
        try {
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("fault-injecting proxy could not bind a port", e);
        }
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fault-proxy");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
        // The upstream's base as it may appear in bodies, under either loopback name; the digit
        // look-ahead keeps port 4000 from matching inside 40001.
        boolean loopback = uri.getHost().equals("127.0.0.1") || uri.getHost().equals("localhost");
        this.upstreamUrl = Pattern.compile(Pattern.quote(uri.getScheme() + "://")
                + (loopback ? "(?:127\\.0\\.0\\.1|localhost)" : Pattern.quote(uri.getHost()))
                + Pattern.quote(":" + uri.getPort()) + "(?!\\d)");
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** The proxy's own base, e.g. {@code http://127.0.0.1:PORT}; append {@code /fhir} or {@code /auth/token}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The next {@code n} requests get {@code status} (e.g. 500, 503) with a small OperationOutcome body. */
    public void failNext(int n, int status) {
        failNext(n, status, null);
    }

    /** As {@link #failNext(int, int)}, only for requests whose path contains {@code pathContains}. */
    public void failNext(int n, int status, String pathContains) {
        add(new Fault(Kind.FAIL, n, pathContains, status, null, null));
    }

    /**
     * As {@link #failNext(int, int, String)}, with this OperationOutcome issue code instead of {@code transient}: e.g.
     * {@code exception} for a failure that is not passing, such as a failed Bulk Data export job.
     */
    public void failNext(int n, int status, String pathContains, String issueCode) {
        Fault fault = new Fault(Kind.FAIL, n, pathContains, status, null, null);
        fault.issueCode = issueCode;
        add(fault);
    }

    /** The next {@code n} requests get 429 Too Many Requests with {@code Retry-After: retryAfterSeconds}. */
    public void rateLimitNext(int n, int retryAfterSeconds) {
        rateLimitNext(n, retryAfterSeconds, null);
    }

    /** As {@link #rateLimitNext(int, int)}, only for requests whose path contains {@code pathContains}. */
    public void rateLimitNext(int n, int retryAfterSeconds, String pathContains) {
        add(new Fault(Kind.RATE_LIMIT, n, pathContains, retryAfterSeconds, null, null));
    }

    /**
     * The next {@code n} requests whose path contains {@code pathContains} get {@code 202 Accepted} with
     * {@code Retry-After: retryAfterSeconds} and no body, as an EHR answers the status request of an export still running.
     */
    public void stillRunningNext(int n, int retryAfterSeconds, String pathContains) {
        add(new Fault(Kind.STILL_RUNNING, n, pathContains, retryAfterSeconds, null, null));
    }

    /** The next {@code n} requests wait {@code delay} before being forwarded. */
    public void delayNext(int n, Duration delay) {
        delayNext(n, delay, null);
    }

    /** As {@link #delayNext(int, Duration)}, only for requests whose path contains {@code pathContains}. */
    public void delayNext(int n, Duration delay, String pathContains) {
        add(new Fault(Kind.DELAY, n, pathContains, 0, delay, null));
    }

    /** Every request waits {@code delay} before being forwarded, until changed; {@link Duration#ZERO} turns it off. */
    public void delayAll(Duration delay) {
        delayAll = delay;
    }

    /** The next {@code n} requests have their connection closed without any response. */
    public void dropNext(int n) {
        dropNext(n, null);
    }

    /** As {@link #dropNext(int)}, only for requests whose path contains {@code pathContains}. */
    public void dropNext(int n, String pathContains) {
        add(new Fault(Kind.DROP, n, pathContains, 0, null, null));
    }

    /**
     * The next {@code n} responses have their body passed through {@code edit} (after the proxy's
     * own URL rewriting), e.g. to inject a malformed resource into a search page.
     */
    public void rewriteNextBody(int n, UnaryOperator<String> edit) {
        rewriteNextBody(n, edit, null);
    }

    /** As {@link #rewriteNextBody(int, UnaryOperator)}, only for requests whose path contains {@code pathContains}. */
    public void rewriteNextBody(int n, UnaryOperator<String> edit, String pathContains) {
        add(new Fault(Kind.REWRITE, n, pathContains, 0, null, edit));
    }

    /**
     * As {@link #rewriteNextBody(int, UnaryOperator, String)}, only for requests with this method: e.g. to
     * act at the upstream while a {@code GET} passes (the edit runs after the upstream answered it).
     */
    public void rewriteNextBody(int n, UnaryOperator<String> edit, String method, String pathContains) {
        Fault fault = new Fault(Kind.REWRITE, n, pathContains, 0, null, edit);
        fault.method = method;
        add(fault);
    }

    /**
     * Every request whose path and query contain {@code pathAndQueryContains} gets {@code status}, however
     * often it is retried, until {@link #stopFailing()} or {@link #reset()}. Matches the query too, so
     * one page of a paged search can be hit: HAPI's third page of 50 is {@code _getpagesoffset=100}.
     */
    public void failEvery(int status, String pathAndQueryContains) {
        standingFailures.add(new StandingFailure(pathAndQueryContains, status));
    }

    /** Ends every {@link #failEvery}. */
    public void stopFailing() {
        standingFailures.clear();
    }

    /** The upstream is dead: every request's connection is closed without a response, until {@link #up()}. */
    public void down() {
        downStatus = 0;
    }

    /** The upstream is dead behind a load balancer: every request gets {@code status} (e.g. 503), until {@link #up()}. */
    public void down(int status) {
        downStatus = status;
    }

    /** Ends {@link #down()}. */
    public void up() {
        downStatus = -1;
    }

    /** Clears queued faults, {@link #delayAll}, {@link #down}, {@link #failEvery}, the request and response logs and the count. */
    public void reset() {
        synchronized (faults) {
            faults.clear();
        }
        delayAll = Duration.ZERO;
        downStatus = -1;
        standingFailures.clear();
        requests.clear();
        responses.clear();
        requestCount.set(0);
    }

    /** Requests received since start or {@link #reset()}, faulted ones included. */
    public int requestCount() {
        return requestCount.get();
    }

    /** Each request received, as {@code "GET /fhir/Patient?_count=50"}, in arrival order. */
    public List<String> requestLog() {
        synchronized (requests) {
            return requests.stream().map(RecordedRequest::toString).toList();
        }
    }

    /** Each request received with its headers and body, in arrival order. */
    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Each response forwarded from the upstream (not the injected ones), with its body as sent on, in order. */
    public List<RecordedResponse> responses() {
        synchronized (responses) {
            return List.copyOf(responses);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void add(Fault fault) {
        synchronized (faults) {
            faults.add(fault);
        }
    }

    private Fault takeFault(String method, String path) {
        synchronized (faults) {
            for (Iterator<Fault> it = faults.iterator(); it.hasNext(); ) {
                Fault f = it.next();
                if (f.matches(method, path)) {
                    if (--f.remaining == 0) {
                        it.remove();
                    }
                    return f;
                }
            }
            return null;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String pathAndQuery = query == null ? path : path + "?" + query;
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
            requestCount.incrementAndGet();
            requests.add(new RecordedRequest(method, pathAndQuery, Collections.unmodifiableMap(headers),
                    new String(body, StandardCharsets.UTF_8)));

            int down = downStatus;
            if (down == 0) {
                throw new DroppedConnection();
            }
            if (down > 0) {
                sendOutcome(exchange, down, "upstream unavailable (proxy is down)");
                return;
            }
            for (StandingFailure failure : standingFailures) {
                if (pathAndQuery.contains(failure.pathAndQueryContains())) {
                    sendOutcome(exchange, failure.status(), "injected fault: HTTP " + failure.status());
                    return;
                }
            }
            sleep(delayAll);
            Fault fault = takeFault(method, path);
            if (fault != null) {
                switch (fault.kind) {
                    case FAIL -> {
                        sendOutcome(exchange, fault.status, fault.issueCode, "injected fault: HTTP " + fault.status);
                        return;
                    }
                    case RATE_LIMIT -> {
                        exchange.getResponseHeaders().set("Retry-After", String.valueOf(fault.status));
                        sendOutcome(exchange, 429, "injected fault: rate limited");
                        return;
                    }
                    case STILL_RUNNING -> {
                        exchange.getResponseHeaders().set("Retry-After", String.valueOf(fault.status));
                        exchange.sendResponseHeaders(202, -1);
                        exchange.close();
                        return;
                    }
                    case DROP -> throw new DroppedConnection();
                    case DELAY -> sleep(fault.delay);
                    case REWRITE -> { } // applied to the response below
                }
            }
            forward(exchange, method, pathAndQuery, body, fault != null && fault.kind == Kind.REWRITE ? fault.rewrite : null);
        }
    }

    private void forward(HttpExchange exchange, String method, String pathAndQuery, byte[] body,
            UnaryOperator<String> rewrite) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + pathAndQuery))
                .timeout(Duration.ofMinutes(5))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        HttpResponse<byte[]> upstream;
        try {
            upstream = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DroppedConnection();
        } catch (IOException e) {
            sendOutcome(exchange, 502, "proxy could not reach upstream: " + e);
            return;
        }

        Headers out = exchange.getResponseHeaders();
        Map<String, List<String>> upstreamHeaders = new LinkedHashMap<>(upstream.headers().map());
        upstreamHeaders.forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!NOT_RETURNED.contains(lower) && !lower.startsWith(":")) {
                for (String v : values) {
                    out.add(name, lower.equals("location") || lower.equals("content-location") ? rewriteUrls(v) : v);
                }
            }
        });
        byte[] responseBody = upstream.body();
        String contentType = upstream.headers().firstValue("Content-Type").orElse("");
        if (responseBody.length > 0 && isText(contentType)) {
            String text = rewriteUrls(new String(responseBody, StandardCharsets.UTF_8));
            if (rewrite != null) {
                text = rewrite.apply(text);
            }
            responseBody = text.getBytes(StandardCharsets.UTF_8);
        }
        responses.add(new RecordedResponse(pathAndQuery, upstream.statusCode(), new String(responseBody, StandardCharsets.UTF_8)));
        boolean noBody = method.equals("HEAD") || upstream.statusCode() == 204 || upstream.statusCode() == 304;
        if (noBody || responseBody.length == 0) {
            exchange.sendResponseHeaders(upstream.statusCode(), -1);
        } else {
            exchange.sendResponseHeaders(upstream.statusCode(), responseBody.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(responseBody);
            }
        }
    }

    private String rewriteUrls(String text) {
        return upstreamUrl.matcher(text).replaceAll(Matcher.quoteReplacement(baseUrl));
    }

    private static boolean isText(String contentType) {
        String ct = contentType.toLowerCase(Locale.ROOT);
        return ct.contains("json") || ct.contains("xml") || ct.startsWith("text/");
    }

    private static void sendOutcome(HttpExchange exchange, int status, String diagnostics) throws IOException {
        sendOutcome(exchange, status, "transient", diagnostics);
    }

    private static void sendOutcome(HttpExchange exchange, int status, String issueCode, String diagnostics) throws IOException {
        byte[] body = ("{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                + "\"code\":\"" + issueCode + "\",\"diagnostics\":\"" + diagnostics.replace("\"", "'") + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/fhir+json;charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
        }
    }

    private static void sleep(Duration delay) {
        if (delay == null || delay.isZero() || delay.isNegative()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DroppedConnection();
        }
    }

    /**
     * Thrown out of the handler on purpose: the JDK server closes the connection of a handler that
     * throws, without writing a response, which is exactly a dropped connection.
     */
    private static final class DroppedConnection extends RuntimeException {
        DroppedConnection() {
            super("connection dropped by fault-injecting proxy", null, false, false);
        }
    }
}
