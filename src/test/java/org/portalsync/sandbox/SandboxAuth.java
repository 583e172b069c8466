package org.portalsync.sandbox;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sandbox's OAuth2 authorization server (RFC 6749 section 4.4, client credentials) and the
 * resource-server check in front of {@code /fhir}. Tokens are random and opaque, as most EHR
 * authorization servers issue them, so the engine cannot cheat by reading an expiry out of a JWT.
 */
final class SandboxAuth {

    /** Header that lets {@link SandboxEhr#adminClient()} seed data without a token. */
    static final String ADMIN_HEADER = "X-Sandbox-Admin";

    private final String clientId;
    private final String clientSecret;
    private final String adminSecret;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger issued = new AtomicInteger();
    private volatile int lifetimeSeconds = 3600;

    SandboxAuth(String clientId, String clientSecret) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.adminSecret = randomToken();
    }

    String adminSecret() {
        return adminSecret;
    }

    void setLifetimeSeconds(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("token lifetime must be >= 0 seconds, was " + seconds);
        }
        lifetimeSeconds = seconds;
    }

    int tokensIssued() {
        return issued.get();
    }

    void expireAll() {
        tokens.clear();
    }

    boolean isValid(String token) {
        Instant expiry = tokens.get(token);
        if (expiry == null) {
            return false;
        }
        if (!Instant.now().isBefore(expiry)) {
            tokens.remove(token);
            return false;
        }
        return true;
    }

    private String issue() {
        String token = randomToken();
        int lifetime = lifetimeSeconds;
        tokens.put(token, Instant.now().plusSeconds(lifetime));
        issued.incrementAndGet();
        return token;
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private boolean credentialsMatch(String id, String secret) {
        // Constant-time compare, as a real authorization server would.
        return MessageDigest.isEqual(clientId.getBytes(StandardCharsets.UTF_8), id.getBytes(StandardCharsets.UTF_8))
                & MessageDigest.isEqual(
                        clientSecret.getBytes(StandardCharsets.UTF_8), secret.getBytes(StandardCharsets.UTF_8));
    }

    TokenServlet tokenServlet() {
        return new TokenServlet();
    }

    BearerFilter bearerFilter() {
        return new BearerFilter();
    }

    /**
     * {@code POST /auth/token}: client_secret_basic or client_secret_post (RFC 6749 section 2.3.1),
     * never both in one request, as the RFC requires.
     */
    final class TokenServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Cache-Control", "no-store");
            resp.setHeader("Pragma", "no-cache");
            String grantType = req.getParameter("grant_type");
            String basic = req.getHeader("Authorization");
            String formId = req.getParameter("client_id");
            String formSecret = req.getParameter("client_secret");

            String id;
            String secret;
            if (basic != null && basic.regionMatches(true, 0, "Basic ", 0, 6)) {
                if (formSecret != null) {
                    error(resp, 400, "invalid_request", "use one client authentication method, not two");
                    return;
                }
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(basic.substring(6).trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    unauthorized(resp);
                    return;
                }
                int colon = decoded.indexOf(':');
                if (colon < 0) {
                    unauthorized(resp);
                    return;
                }
                // RFC 6749 2.3.1: id and secret are form-urlencoded before Base64.
                id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
                secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
            } else if (formId != null && formSecret != null) {
                id = formId;
                secret = formSecret;
            } else {
                unauthorized(resp);
                return;
            }
            if (!credentialsMatch(id, secret)) {
                unauthorized(resp);
                return;
            }
            if (!"client_credentials".equals(grantType)) {
                error(resp, 400, "unsupported_grant_type", "only client_credentials is supported");
                return;
            }
            int lifetime = lifetimeSeconds;
            String token = issue();
            String scope = req.getParameter("scope");
            StringBuilder json = new StringBuilder()
                    .append("{\"access_token\":\"").append(token)
                    .append("\",\"token_type\":\"Bearer\",\"expires_in\":").append(lifetime);
            if (scope != null && scope.matches("[\\x21\\x23-\\x5B\\x5D-\\x7E ]*")) {
                json.append(",\"scope\":\"").append(scope).append('"');
            }
            json.append('}');
            send(resp, 200, "application/json", json.toString());
        }

        private void unauthorized(HttpServletResponse resp) throws IOException {
            resp.setHeader("WWW-Authenticate", "Basic realm=\"sandbox-ehr\"");
            error(resp, 401, "invalid_client", "client authentication failed");
        }

        private void error(HttpServletResponse resp, int status, String error, String description) throws IOException {
            send(resp, status, "application/json",
                    "{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
        }
    }

    /** Rejects every {@code /fhir} request without a live bearer token, as an EHR's gateway does. */
    final class BearerFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest req = (HttpServletRequest) request;
            HttpServletResponse resp = (HttpServletResponse) response;
            String admin = req.getHeader(ADMIN_HEADER);
            if (admin != null && MessageDigest.isEqual(
                    admin.getBytes(StandardCharsets.UTF_8), adminSecret.getBytes(StandardCharsets.UTF_8))) {
                chain.doFilter(request, response);
                return;
            }
            String auth = req.getHeader("Authorization");
            if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                reject(resp, "Bearer realm=\"sandbox-ehr\"", "no bearer token");
                return;
            }
            if (!isValid(auth.substring(7).trim())) {
                reject(resp, "Bearer realm=\"sandbox-ehr\", error=\"invalid_token\"",
                        "bearer token is unknown or expired");
                return;
            }
            chain.doFilter(request, response);
        }

        private void reject(HttpServletResponse resp, String challenge, String why) throws IOException {
            resp.setHeader("WWW-Authenticate", challenge);
            send(resp, 401, "application/fhir+json;charset=utf-8",
                    "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\","
                            + "\"code\":\"login\",\"diagnostics\":\"" + why + "\"}]}");
        }
    }

    private static void send(HttpServletResponse resp, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType(contentType);
        resp.setContentLength(bytes.length);
        resp.getOutputStream().write(bytes);
    }
}
