package org.portalsync.auth;

import java.net.URI;

/** Where token requests go: configured, or found in the EHR's {@code .well-known/smart-configuration}. */
@FunctionalInterface
public interface TokenEndpoint {

    /**
     * @throws AuthenticationFailedException when the EHR names no token endpoint
     * @throws org.portalsync.source.fhir.EhrUnavailableException when the EHR cannot be asked now
     */
    URI tokenUrl();

    static TokenEndpoint fixed(String url) {
        URI uri = URI.create(url);
        return () -> uri;
    }
}
