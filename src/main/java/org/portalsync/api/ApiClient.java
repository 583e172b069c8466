package org.portalsync.api;

import java.time.Instant;
import java.util.Set;

/**
 * One row of {@code api_client}: a client of the engine's API, its key's hash and its scopes.
 *
 * @param revokedAt null while the key is valid
 */
public record ApiClient(String clientId, String keyHash, Set<ApiScope> scopes, Instant createdAt, Instant revokedAt) {

    public boolean revoked() {
        return revokedAt != null;
    }
}
