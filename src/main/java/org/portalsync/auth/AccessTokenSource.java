package org.portalsync.auth;

import java.time.Instant;
import java.util.Optional;

/** Where the bearer token for requests to the EHR comes from. */
public interface AccessTokenSource {

    /** @return a currently valid access token, or null when the EHR takes requests without one */
    String accessToken();

    /** The EHR said the token is no longer valid (401): the next call must fetch a new one. */
    void invalidate(String token);

    /** When the last token obtained runs out (its {@code expires_in}); empty before the first, or without tokens. */
    default Optional<Instant> expiresAt() {
        return Optional.empty();
    }

    /** For a sandbox without auth. */
    AccessTokenSource NONE = new AccessTokenSource() {
        @Override
        public String accessToken() {
            return null;
        }

        @Override
        public void invalidate(String token) {
            // nothing cached
        }
    };
}
