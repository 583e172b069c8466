package org.portalsync.auth;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.Secrets;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth2 client credentials grant (RFC 6749 section 4.4, as SMART backend services use it) with
 * client_secret_basic, client_secret_post or private_key_jwt (a new signed assertion per request;
 * there is no refresh token, so an expired token is asserted for again). The token is cached until {@code refreshBeforeExpiry}
 * before its {@code expires_in} runs out, shared by all routes, and only ever logged by its last
 * four characters.
 */
public final class ClientCredentialsTokenSource implements AccessTokenSource {

    private static final Logger LOG = LoggerFactory.getLogger(ClientCredentialsTokenSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);

    private final HttpClient http;
    private final TokenEndpoint tokenEndpoint;
    private final String clientId;
    private final ClientAuthentication authentication;
    private final String scope;
    private final Duration refreshBeforeExpiry;
    private final Duration requestTimeout;
    private final Clock clock;
    private final AuditTrail audit;
    private final String actor;

    private String token;
    private Instant renewAt = Instant.MIN;
    private Instant expiresAt;

    /** With a client secret ({@code client_secret_basic} or {@code client_secret_post}) and a configured token URL. */
    public ClientCredentialsTokenSource(HttpClient http, String tokenUrl, String clientId, String clientSecret, String method,
            String scope, Duration refreshBeforeExpiry, Duration requestTimeout, Clock clock, AuditTrail audit, String actor) {
        this(http, TokenEndpoint.fixed(tokenUrl), clientId, new ClientSecretAuthentication(clientId, clientSecret, method), scope,
                refreshBeforeExpiry, requestTimeout, clock, audit, actor);
    }

    /**
     * @param tokenEndpoint  configured, or discovered from the EHR's {@code .well-known/smart-configuration}
     * @param authentication how the client proves who it is, per request
     */
    public ClientCredentialsTokenSource(HttpClient http, TokenEndpoint tokenEndpoint, String clientId, ClientAuthentication authentication,
            String scope, Duration refreshBeforeExpiry, Duration requestTimeout, Clock clock, AuditTrail audit, String actor) {
        this.http = http;
        this.tokenEndpoint = tokenEndpoint;
        this.clientId = clientId;
        this.authentication = authentication;
        this.scope = scope;
        this.refreshBeforeExpiry = refreshBeforeExpiry;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        this.audit = audit;
        this.actor = actor;
    }

    @Override
    public synchronized String accessToken() {
        if (token == null || !clock.instant().isBefore(renewAt)) {
            fetchToken();
        }
        return token;
    }

    @Override
    public synchronized Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    @Override
    public synchronized void invalidate(String rejected) {
        if (rejected != null && rejected.equals(token)) {
            LOG.info("Access token {} was refused by the EHR; fetching a new one", Secrets.redact(rejected));
            token = null;
        }
    }

    private void fetchToken() {
        URI tokenUrl = tokenEndpoint.tokenUrl();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        if (scope != null && !scope.isBlank()) {
            form.put("scope", scope);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(tokenUrl)
                .timeout(requestTimeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json");
        authentication.authenticate(tokenUrl, form, request);
        String body = form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        Instant sentAt = clock.instant();
        HttpResponse<String> response;
        try {
            response = http.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            // unreachable is an outage, not refused credentials: it alerts as EHR_DOWN
            auditToken(tokenUrl, sentAt, "failure: " + e.getClass().getSimpleName());
            throw new EhrUnavailableException("token endpoint " + tokenUrl + " unreachable: " + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthenticationFailedException("interrupted while fetching a token", e);
        }
        if (response.statusCode() >= 500) {
            auditToken(tokenUrl, sentAt, "failure: HTTP " + response.statusCode());
            throw new EhrUnavailableException("token endpoint " + tokenUrl + " answered HTTP " + response.statusCode());
        }
        if (response.statusCode() != 200) {
            auditToken(tokenUrl, sentAt, "failure: HTTP " + response.statusCode());
            throw new AuthenticationFailedException("token endpoint " + tokenUrl + " refused client '" + clientId + "' ("
                    + authentication.method() + "): HTTP " + response.statusCode() + " " + oauthError(response.body()));
        }
        try {
            JsonNode json = JSON.readTree(response.body());
            String accessToken = json.path("access_token").asText(null);
            if (accessToken == null || accessToken.isBlank()) {
                throw new AuthenticationFailedException("token endpoint " + tokenUrl + " answered without access_token");
            }
            Duration lifetime = json.has("expires_in") ? Duration.ofSeconds(json.get("expires_in").asLong()) : DEFAULT_LIFETIME;
            Duration early = lifetime.compareTo(refreshBeforeExpiry.multipliedBy(2)) > 0 ? refreshBeforeExpiry : lifetime.dividedBy(2);
            token = accessToken;
            renewAt = sentAt.plus(lifetime).minus(early);
            expiresAt = sentAt.plus(lifetime);
            auditToken(tokenUrl, sentAt, "success");
            LOG.info("Fetched access token {} for client '{}', valid {} s", Secrets.redact(accessToken), clientId, lifetime.toSeconds());
        } catch (IOException e) {
            auditToken(tokenUrl, sentAt, "failure: unreadable token response");
            throw new AuthenticationFailedException("token endpoint " + tokenUrl + " answered with unreadable JSON", e);
        }
    }

    /** Only the OAuth2 error code and description: the body of a token response may hold secrets. */
    private static String oauthError(String body) {
        try {
            JsonNode json = JSON.readTree(body);
            return (json.path("error").asText("") + " " + json.path("error_description").asText("")).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private void auditToken(URI tokenUrl, Instant at, String result) {
        audit.record(new AuditEvent(at, actor, "OAuth2.token", tokenUrl.toString(), tokenUrl.getHost(), result));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
