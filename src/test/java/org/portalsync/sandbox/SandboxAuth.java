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
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * The sandbox's OAuth2 authorization server (RFC 6749 section 4.4, client credentials) and the
 * resource-server check in front of {@code /fhir}. Tokens are random and opaque, as most EHR
 * authorization servers issue them, so the engine cannot cheat by reading an expiry out of a JWT.
 *
 * <p>Backend-service clients (SMART Backend Services, {@code private_key_jwt}) are registered with a public JWKS
 * and verified for real: the assertion's signature against the registered key its {@code kid} names (RS384 or
 * ES384), {@code aud} = this token endpoint, {@code exp} in the future and at most 5 minutes ahead,
 * {@code iss} = {@code sub} = the client id, and a {@code jti} never seen before.
 */
final class SandboxAuth {

    /** Header that lets {@link SandboxEhr#adminClient()} seed data without a token. */
    static final String ADMIN_HEADER = "X-Sandbox-Admin";
    /** Served without a token, as SMART requires. */
    static final String SMART_CONFIGURATION_PATH = "/fhir/.well-known/smart-configuration";

    private final String clientId;
    private final String clientSecret;
    private final String adminSecret;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger issued = new AtomicInteger();
    private volatile int lifetimeSeconds = 3600;
    private volatile String tokenUrl;
    private final Map<String, JWKSet> backendClients = new ConcurrentHashMap<>();
    private final Map<String, Instant> usedJtis = new ConcurrentHashMap<>();
    private final Map<String, List<SandboxEhr.ClientAssertion>> accepted = new ConcurrentHashMap<>();

    static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static final long MAX_ASSERTION_SECONDS = 300;

    SandboxAuth(String clientId, String clientSecret) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.adminSecret = randomToken();
    }

    String adminSecret() {
        return adminSecret;
    }

    /** The token endpoint's own URL: the audience an assertion must name. */
    void setTokenUrl(String url) {
        tokenUrl = url;
    }

    void registerBackendClient(String clientId, JWKSet publicKeys) {
        if (publicKeys.getKeys().stream().anyMatch(JWK::isPrivate)) {
            throw new IllegalArgumentException("register public keys only, as an EHR would");
        }
        backendClients.put(clientId, publicKeys);
    }

    List<SandboxEhr.ClientAssertion> acceptedAssertions(String clientId) {
        return List.copyOf(accepted.getOrDefault(clientId, List.of()));
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

        private static final String ACCEPTED_ASSERTION = "sandbox.acceptedAssertion";
        private static final String ACCEPTED_CLIENT = "sandbox.acceptedClient";

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Cache-Control", "no-store");
            resp.setHeader("Pragma", "no-cache");
            String grantType = req.getParameter("grant_type");
            if (req.getParameter("client_assertion_type") != null || req.getParameter("client_assertion") != null) {
                String refused = backendClientRefusal(req);
                if (refused != null) {
                    error(resp, 400, "invalid_client", refused);
                    return;
                }
                if (!"client_credentials".equals(grantType)) {
                    error(resp, 400, "unsupported_grant_type", "only client_credentials is supported");
                    return;
                }
                String scope = req.getParameter("scope");
                // a backend service acts for no user or patient: SMART Backend Services grants system/ scopes only
                if (scope == null || scope.isBlank() || !java.util.Arrays.stream(scope.trim().split(" +")).allMatch(s -> s.startsWith("system/"))) {
                    error(resp, 400, "invalid_scope", "a backend service asks for system/ scopes only");
                    return;
                }
                accepted.computeIfAbsent((String) req.getAttribute(ACCEPTED_CLIENT), id -> new CopyOnWriteArrayList<>())
                        .add((SandboxEhr.ClientAssertion) req.getAttribute(ACCEPTED_ASSERTION));
                issueToken(req, resp);
                return;
            }
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
            issueToken(req, resp);
        }

        private void issueToken(HttpServletRequest req, HttpServletResponse resp) throws IOException {
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

        /**
         * Checks a {@code private_key_jwt} assertion as an EHR's authorization server does (SMART Backend Services,
         * RFC 7523 section 3), signature first, so that a forged assertion cannot use up a {@code jti}.
         *
         * @return why it is refused, or null when it is accepted
         */
        private String backendClientRefusal(HttpServletRequest req) {
            if (req.getHeader("Authorization") != null || req.getParameter("client_secret") != null) {
                return "use one client authentication method, not two";
            }
            if (!JWT_BEARER.equals(req.getParameter("client_assertion_type"))) {
                return "client_assertion_type must be " + JWT_BEARER;
            }
            SignedJWT jwt;
            JWTClaimsSet claims;
            try {
                jwt = SignedJWT.parse(String.valueOf(req.getParameter("client_assertion")));
                claims = jwt.getJWTClaimsSet();
            } catch (ParseException e) {
                return "client_assertion is not a signed JWT";
            }
            JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
            if (!JWSAlgorithm.RS384.equals(alg) && !JWSAlgorithm.ES384.equals(alg)) {
                return "alg " + alg + " is not accepted: RS384 or ES384";
            }
            String clientId = claims.getIssuer();
            JWKSet registered = clientId == null ? null : backendClients.get(clientId);
            if (registered == null) {
                return "iss names no registered backend client";
            }
            String kid = jwt.getHeader().getKeyID();
            JWK key = kid == null ? null : registered.getKeyByKeyId(kid);
            if (key == null) {
                return "kid " + (kid == null ? "missing" : "'" + kid + "' is not in the JWKS registered for this client");
            }
            try {
                JWSVerifier verifier;
                if (KeyType.RSA.equals(key.getKeyType()) && JWSAlgorithm.RS384.equals(alg)) {
                    verifier = new RSASSAVerifier(key.toRSAKey());
                } else if (KeyType.EC.equals(key.getKeyType()) && JWSAlgorithm.ES384.equals(alg)) {
                    verifier = new ECDSAVerifier(key.toECKey());
                } else {
                    return "alg " + alg + " does not fit registered key '" + kid + "'";
                }
                if (!jwt.verify(verifier)) {
                    return "signature does not verify with registered key '" + kid + "'";
                }
            } catch (JOSEException e) {
                return "signature cannot be checked with registered key '" + kid + "'";
            }
            if (!clientId.equals(claims.getSubject())) {
                return "sub must equal iss (the client id)";
            }
            String formClientId = req.getParameter("client_id");
            if (formClientId != null && !formClientId.equals(clientId)) {
                return "client_id does not match iss";
            }
            if (claims.getAudience() == null || !claims.getAudience().contains(tokenUrl)) {
                return "aud must be this token endpoint, " + tokenUrl;
            }
            Instant now = Instant.now();
            if (claims.getExpirationTime() == null) {
                return "exp missing";
            }
            Instant exp = claims.getExpirationTime().toInstant();
            if (!exp.isAfter(now)) {
                return "assertion expired (exp in the past)";
            }
            if (exp.isAfter(now.plusSeconds(MAX_ASSERTION_SECONDS))) {
                return "exp more than 5 minutes ahead";
            }
            String jti = claims.getJWTID();
            if (jti == null || jti.isBlank()) {
                return "jti missing";
            }
            usedJtis.values().removeIf(until -> until.isBefore(now));
            if (usedJtis.putIfAbsent(clientId + " " + jti, exp) != null) {
                return "jti already used: an assertion is good for one request";
            }
            // recorded as accepted once the token is issued (after the scope check)
            req.setAttribute(ACCEPTED_ASSERTION, new SandboxEhr.ClientAssertion(kid, alg.getName(),
                    claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant(), exp, jti, req.getParameter("scope")));
            req.setAttribute(ACCEPTED_CLIENT, clientId);
            return null;
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

    SmartConfigurationServlet smartConfigurationServlet() {
        return new SmartConfigurationServlet();
    }

    /** {@code GET /fhir/.well-known/smart-configuration}: public, as SMART requires, so a client can find the token endpoint. */
    final class SmartConfigurationServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            send(resp, 200, "application/json", """
                    {"token_endpoint":"%s",
                     "token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt"],
                     "token_endpoint_auth_signing_alg_values_supported":["RS384","ES384"],
                     "grant_types_supported":["client_credentials"],
                     "scopes_supported":["system/Patient.read","system/Coverage.read","system/Patient.write","system/Coverage.write"],
                     "capabilities":["client-confidential-asymmetric","client-confidential-symmetric","permission-v1"]}
                    """.formatted(tokenUrl));
        }
    }

    /** Rejects every {@code /fhir} request without a live bearer token, as an EHR's gateway does. */
    final class BearerFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest req = (HttpServletRequest) request;
            HttpServletResponse resp = (HttpServletResponse) response;
            if (req.getRequestURI().equals(req.getContextPath() + SMART_CONFIGURATION_PATH)) {
                chain.doFilter(request, response);
                return;
            }
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
