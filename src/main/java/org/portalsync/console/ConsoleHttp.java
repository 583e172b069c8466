package org.portalsync.console;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;
import org.portalsync.api.AuditApiRequest;

/**
 * The HTTP details of the console, in one place: its session cookie, the headers every page carries, forms,
 * and the same-origin check of state-changing requests.
 *
 * <p>Headers that Camel would filter out of an answer (the API answers with a fixed set, see
 * {@code ApiHeaderFilterStrategy}) are put on the Vert.x response directly.
 */
public final class ConsoleHttp {

    public static final String COOKIE = "portal-sync-console";
    public static final String CSRF_FIELD = "csrf";
    /** The exchange property that holds the signed-in {@link ConsoleSession}. */
    public static final String SESSION = "PortalSyncConsoleSession";
    private static final String FORM = "PortalSyncConsoleForm";
    private static final String HTML = "text/html; charset=utf-8";

    private ConsoleHttp() {
    }

    public static HttpServerRequest request(Exchange exchange) {
        if (exchange.getIn() instanceof HttpMessage http && http.getRequest() != null) {
            return http.getRequest();
        }
        throw new IllegalStateException("not an HTTP request of the engine's server");
    }

    private static HttpServerResponse response(Exchange exchange) {
        if (exchange.getIn() instanceof HttpMessage http && http.getResponse() != null) {
            return http.getResponse();
        }
        throw new IllegalStateException("not an HTTP request of the engine's server");
    }

    public static String cookie(Exchange exchange) {
        Cookie cookie = request(exchange).getCookie(COOKIE);
        return cookie == null ? null : cookie.getValue();
    }

    /** The session cookie: HttpOnly, SameSite=Strict, only for /console, Secure over TLS; no Max-Age (ends with the browser). */
    public static void setCookie(Exchange exchange, String value) {
        response(exchange).addCookie(Cookie.cookie(COOKIE, value).setPath("/console").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT).setSecure(request(exchange).isSSL()));
    }

    public static void clearCookie(Exchange exchange) {
        response(exchange).addCookie(Cookie.cookie(COOKIE, "").setPath("/console").setHttpOnly(true)
                .setSameSite(CookieSameSite.STRICT).setSecure(request(exchange).isSSL()).setMaxAge(0));
    }

    /** An HTML answer: never cached (pages show patient data), never framed, no script, styles from the console only. */
    public static void page(Exchange exchange, int status, String html) {
        securityHeaders(exchange);
        exchange.getMessage().setBody(html.getBytes(StandardCharsets.UTF_8));
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, HTML);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
    }

    /** 303 See Other: after a form, the browser asks for the page with GET. */
    public static void redirect(Exchange exchange, String location) {
        securityHeaders(exchange);
        exchange.getMessage().setBody(null);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 303);
        exchange.getMessage().setHeader("Location", location);
    }

    private static void securityHeaders(Exchange exchange) {
        // Camel's HTTP header filter drops Cache-Control from an answer: set on the response itself
        response(exchange).putHeader("Cache-Control", "no-store").putHeader("Content-Security-Policy",
                        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Referrer-Policy", "same-origin");
        if (request(exchange).isSSL()) {
            response(exchange).putHeader("Strict-Transport-Security", "max-age=31536000");
        }
    }

    /**
     * The request's urlencoded form, read once from its body. Fields the console never sends are kept too; a
     * processor reads only the ones it knows.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, List<String>> form(Exchange exchange) {
        Map<String, List<String>> cached = exchange.getProperty(FORM, Map.class);
        if (cached != null) {
            return cached;
        }
        String type = exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            throw ConsoleRefusal.badRequest("The console takes its forms as application/x-www-form-urlencoded.");
        }
        Object body = exchange.getIn().getBody();
        Map<String, List<String>> form = new LinkedHashMap<>();
        if (body instanceof Map<?, ?> fields) {
            // platform-http has read the urlencoded body into a map (a field sent twice: a list)
            fields.forEach((name, value) -> {
                List<String> values = form.computeIfAbsent(String.valueOf(name), key -> new ArrayList<>());
                if (value instanceof Iterable<?> many) {
                    many.forEach(one -> values.add(String.valueOf(one)));
                } else if (value != null) {
                    values.add(String.valueOf(value));
                }
            });
        } else {
            String text = exchange.getIn().getBody(String.class);
            for (String pair : text == null || text.isEmpty() ? new String[0] : text.split("&")) {
                int equals = pair.indexOf('=');
                String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                form.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
            }
        }
        exchange.setProperty(FORM, form);
        return form;
    }

    /** The one value of a form field, stripped; empty when absent. */
    public static String field(Exchange exchange, String name) {
        List<String> values = form(exchange).get(name);
        if (values == null || values.isEmpty()) {
            return "";
        }
        if (values.size() > 1) {
            throw ConsoleRefusal.badRequest("The form field " + name + " came more than once.");
        }
        return values.get(0).strip();
    }

    /**
     * A state-changing request must come from the console's own pages: its Origin (or, without one, its
     * Referer) names this server, as the browser reached it (scheme, host and port of the Host header).
     */
    public static void requireSameOrigin(Exchange exchange) {
        HttpServerRequest request = request(exchange);
        // HTTP/1.1 Host or HTTP/2 :authority, as the browser reached the server
        String host = request.authority() == null ? null : request.authority().toString();
        String origin = request.getHeader("Origin");
        String referer = request.getHeader("Referer");
        String claimed = origin != null && !origin.equals("null") ? origin : referer;
        if (host == null || claimed == null || !sameOrigin(claimed, (request.isSSL() ? "https" : "http") + "://" + host)) {
            throw ConsoleRefusal.forbidden("This form did not come from the console's own page (Origin or Referer check).");
        }
    }

    static boolean sameOrigin(String url, String own) {
        try {
            URI claimed = URI.create(url);
            URI expected = URI.create(own);
            return claimed.getScheme() != null && claimed.getScheme().equalsIgnoreCase(expected.getScheme())
                    && claimed.getHost() != null && claimed.getHost().equalsIgnoreCase(expected.getHost())
                    && port(claimed) == port(expected);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    public static String peer(Exchange exchange) {
        return AuditApiRequest.peer(exchange.getIn().getHeader(VertxPlatformHttpConstants.REMOTE_ADDRESS));
    }

    /** The signed-in session of this request (set by {@link ConsoleAccess}). */
    public static ConsoleSession session(Exchange exchange) {
        return exchange.getProperty(SESSION, ConsoleSession.class);
    }
}
