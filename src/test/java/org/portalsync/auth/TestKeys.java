package org.portalsync.auth;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;

/** Key pairs and key files for private_key_jwt tests: generated per test, as an operator would with openssl. */
public final class TestKeys {

    private TestKeys() {
    }

    public static JWK rsa(String kid) {
        return rsa(kid, null);
    }

    public static JWK rsa(String kid, Instant issued) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).issueTime(issued == null ? null : Date.from(issued)).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JWK ec(String kid) {
        return ec(kid, null);
    }

    public static JWK ec(String kid, Instant issued) {
        try {
            return new ECKeyGenerator(Curve.P_384).keyID(kid).issueTime(issued == null ? null : Date.from(issued)).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JWKS file with these private keys, in this order. */
    public static Path writeJwks(Path file, JWK... keys) throws Exception {
        // toString(false): with the private parts, which is what the engine's key file holds
        Files.writeString(file, new JWKSet(List.of(keys)).toString(false), StandardCharsets.UTF_8);
        return file;
    }

    /** What the EHR registers: the public halves only. */
    public static JWKSet publicJwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toPublicJWKSet();
    }

    /** A PEM file with the RSA key as PKCS#8 ({@code BEGIN PRIVATE KEY}), as {@code openssl genpkey} writes it. */
    public static Path writePem(Path file, JWK rsaKey) throws Exception {
        byte[] der = rsaKey.toRSAKey().toPrivateKey().getEncoded();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
        return file;
    }
}
