package org.portalsync.auth;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * How the engine proves who it is to the token endpoint (RFC 6749 section 2.3): a client secret
 * ({@link ClientSecretAuthentication}) or a signed JWT assertion ({@link PrivateKeyJwtAuthentication}).
 */
public interface ClientAuthentication {

    /**
     * Adds the client's credentials to one token request.
     *
     * @param tokenUrl the endpoint the request goes to (an assertion's audience)
     * @param form     the request's form parameters, to add to
     * @param request  the request, for a header
     */
    void authenticate(URI tokenUrl, Map<String, String> form, HttpRequest.Builder request);

    /** The method's registered name, e.g. {@code private_key_jwt}, as {@code token_endpoint_auth_methods_supported} lists it. */
    String method();
}
