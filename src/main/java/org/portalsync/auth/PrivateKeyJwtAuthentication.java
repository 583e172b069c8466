package org.portalsync.auth;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.portalsync.config.ConfigurationException;

/**
 * {@code private_key_jwt} as SMART Backend Services use it (RFC 7523, OpenID Connect Core section 9): every token
 * request carries a fresh JWT signed with the engine's private key, {@code iss} = {@code sub} = the client id,
 * {@code aud} = the token endpoint, a one-time {@code jti} and a short {@code exp}; its header names the key
 * ({@code kid}) so the EHR finds it in the JWKS registered for the client. Signed by Nimbus JOSE+JWT.
 */
public final class PrivateKeyJwtAuthentication implements ClientAuthentication {

    public static final String METHOD = "private_key_jwt";
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** SMART allows at most 5 minutes; one less leaves room for a clock that runs a little ahead of the EHR's. */
    static final Duration ASSERTION_LIFETIME = Duration.ofMinutes(4);

    private final String clientId;
    private final SigningKeys keys;
    private final Clock clock;

    public PrivateKeyJwtAuthentication(String clientId, SigningKeys keys, Clock clock) {
        this.clientId = clientId;
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public void authenticate(URI tokenUrl, Map<String, String> form, HttpRequest.Builder request) {
        form.put("client_assertion_type", ASSERTION_TYPE);
        form.put("client_assertion", assertion(tokenUrl));
    }

    @Override
    public String method() {
        return METHOD;
    }

    /** A new signed assertion for one request to this token endpoint. */
    String assertion(URI tokenUrl) {
        SigningKeys.SigningKey key;
        try {
            key = keys.current();
        } catch (ConfigurationException e) {
            // a key file that went bad after start-up fails the token request, which alerts AUTH_FAILURE
            throw new AuthenticationFailedException(e.getMessage());
        }
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(clientId)
                .subject(clientId)
                .audience(tokenUrl.toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ASSERTION_LIFETIME)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm()).keyID(key.keyId()).type(JOSEObjectType.JWT).build(),
                claims);
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new AuthenticationFailedException("cannot sign a client assertion with kid '" + key.keyId() + "' ("
                    + key.algorithm() + "): " + e.getClass().getSimpleName());
        }
        return jwt.serialize();
    }

    @Override
    public String toString() {
        return "PrivateKeyJwtAuthentication[" + clientId + "]";
    }
}
