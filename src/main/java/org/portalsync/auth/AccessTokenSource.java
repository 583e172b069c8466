package org.portalsync.auth;

/** Where the bearer token for requests to the EHR comes from. */
public interface AccessTokenSource {

    /** @return a currently valid access token, or null when the EHR takes requests without one */
    String accessToken();

    /** The EHR said the token is no longer valid (401): the next call must fetch a new one. */
    void invalidate(String token);

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
