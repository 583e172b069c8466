package org.portalsync.api;

import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

/**
 * Authenticates an API request by its key and checks that the key has the scope the route needs.
 * A route calls it first, naming its scope:
 *
 * <pre>
 * - bean:
 *     ref: apiAccess
 *     method: "require('dead-letters:read')"
 * </pre>
 *
 * The key is read from the {@value ApiHeaders#API_KEY} request header only (never from a query
 * parameter, which ends up in access logs), looked up by its client id, and compared by SHA-256 in
 * constant time. A missing, malformed, unknown, wrong or revoked key all get the same 401; a valid
 * key without the scope gets 403. On success the client id is the exchange property
 * {@link ApiHeaders#CLIENT_ID}.
 */
public final class ApiAccess {

    /** Hashed against when the client is unknown, so that an unknown client costs the same time as a known one. */
    private static final String NO_CLIENT_HASH = "0".repeat(64);

    private final ApiClientStore clients;

    public ApiAccess(ApiClientStore clients) {
        this.clients = clients;
    }

    /**
     * @param scope a scope name, e.g. {@code dead-letters:read}
     * @throws ApiRefusal 401 without a valid key, 403 without the scope
     */
    public void require(String scope, Exchange exchange) {
        ApiScope needed = ApiScope.of(scope);
        ApiClient client = authenticate(exchange);
        if (!client.scopes().contains(needed)) {
            throw ApiRefusal.forbidden(needed);
        }
    }

    private ApiClient authenticate(Exchange exchange) {
        String existing = exchange.getProperty(ApiHeaders.CLIENT_ID, String.class);
        Optional<String> key = presentedKey(exchange);
        // the key has been read: it must not travel further with the message
        exchange.getMessage().removeHeader(ApiHeaders.API_KEY);
        if (key.isEmpty()) {
            throw ApiRefusal.unauthorized();
        }
        Optional<String> clientId = ApiKey.clientIdOf(key.get());
        Optional<ApiClient> client = clientId.flatMap(clients::find);
        boolean matches = ApiKey.matches(key.get(), client.map(ApiClient::keyHash).orElse(NO_CLIENT_HASH));
        if (client.isEmpty() || !matches || client.get().revoked() || (existing != null && !existing.equals(client.get().clientId()))) {
            throw ApiRefusal.unauthorized();
        }
        exchange.setProperty(ApiHeaders.CLIENT_ID, client.get().clientId());
        return client.get();
    }

    /** The one X-API-Key header of the HTTP request; empty when there is none or more than one. */
    private static Optional<String> presentedKey(Exchange exchange) {
        if (!(exchange.getIn() instanceof HttpMessage http) || http.getRequest() == null) {
            return Optional.empty();
        }
        List<String> values = http.getRequest().headers().getAll(ApiHeaders.API_KEY);
        if (values.size() != 1 || values.get(0).isBlank()) {
            return Optional.empty();
        }
        return Optional.of(values.get(0).strip());
    }
}
