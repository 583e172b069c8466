package org.portalsync.auth;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token endpoint the EHR names in {@code <FHIR base>/.well-known/smart-configuration} (SMART App Launch 2.x,
 * section "SMART configuration"), for an EHR configured by its FHIR base URL alone. The document is public: it is
 * read without a token, once, with an audit row. An EHR that answers without a {@code token_endpoint} (or with 4xx)
 * is a configuration error; one that cannot be reached is asked again at the next token request.
 */
public final class SmartConfiguration implements TokenEndpoint {

    public static final String PATH = "/.well-known/smart-configuration";

    private static final Logger LOG = LoggerFactory.getLogger(SmartConfiguration.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI url;
    private final String method;
    private final UnaryOperator<String> allowedUrl;
    private final Duration requestTimeout;
    private final Clock clock;
    private final AuditTrail audit;
    private final String actor;
    private URI tokenUrl;

    /**
     * @param method     the client authentication in use, checked against {@code token_endpoint_auth_methods_supported}
     * @param allowedUrl checks the discovered URL as a configured one is checked (https, or loopback); throws when it is not
     */
    public SmartConfiguration(HttpClient http, String fhirBaseUrl, String method, UnaryOperator<String> allowedUrl,
            Duration requestTimeout, Clock clock, AuditTrail audit, String actor) {
        this.http = http;
        this.url = URI.create(fhirBaseUrl + PATH);
        this.method = method;
        this.allowedUrl = allowedUrl;
        this.requestTimeout = requestTimeout;
        this.clock = clock;
        this.audit = audit;
        this.actor = actor;
    }

    @Override
    public synchronized URI tokenUrl() {
        if (tokenUrl == null) {
            tokenUrl = discover();
        }
        return tokenUrl;
    }

    private URI discover() {
        Instant sentAt = clock.instant();
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(url).timeout(requestTimeout).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            audit(sentAt, "failure: " + e.getClass().getSimpleName());
            throw new EhrUnavailableException(url + " unreachable: " + e.getClass().getSimpleName(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EhrUnavailableException("interrupted while reading " + url, e);
        }
        if (response.statusCode() >= 500) {
            audit(sentAt, "failure: HTTP " + response.statusCode());
            throw new EhrUnavailableException(url + " answered HTTP " + response.statusCode());
        }
        if (response.statusCode() != 200) {
            audit(sentAt, "failure: HTTP " + response.statusCode());
            throw notNamed("answered HTTP " + response.statusCode());
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            audit(sentAt, "failure: unreadable JSON");
            throw notNamed("is not JSON");
        }
        String endpoint = json.path("token_endpoint").asText("");
        if (endpoint.isBlank()) {
            audit(sentAt, "failure: no token_endpoint");
            throw notNamed("names no token_endpoint");
        }
        try {
            endpoint = allowedUrl.apply(endpoint);
        } catch (RuntimeException e) {
            audit(sentAt, "failure: token_endpoint refused");
            throw new AuthenticationFailedException("the token_endpoint in " + url + " is refused: " + e.getMessage());
        }
        audit(sentAt, "success");
        List<String> methods = new ArrayList<>();
        json.path("token_endpoint_auth_methods_supported").forEach(node -> methods.add(node.asText()));
        if (!methods.isEmpty() && !methods.contains(method)) {
            LOG.warn("{} lists token_endpoint_auth_methods_supported {}, without {} (portal-sync.source.fhir.auth.method): "
                    + "the token endpoint will probably refuse the engine; ask the EHR's team which method to register", url, methods, method);
        }
        LOG.info("Token endpoint {} found in {}", endpoint, url);
        return URI.create(endpoint);
    }

    private AuthenticationFailedException notNamed(String what) {
        return new AuthenticationFailedException("no token endpoint: portal-sync.source.fhir.auth.token-url is empty and " + url + " "
                + what + "; set portal-sync.source.fhir.auth.token-url to the EHR's OAuth2 token endpoint");
    }

    private void audit(Instant at, String result) {
        audit.record(new AuditEvent(at, actor, "SmartConfiguration.read", url.toString(), url.getHost(), result));
    }
}
