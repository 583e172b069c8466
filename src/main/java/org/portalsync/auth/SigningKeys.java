package org.portalsync.auth;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import org.portalsync.config.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's private keys for {@code private_key_jwt} (SMART Backend Services), read from one file: a JWKS with
 * private keys, PEM (PKCS#8, one or more keys) or PKCS#12. The file is read again before each signature and parsed
 * again when its content changed, so a key rotation needs no restart: during one the file holds the old and the new
 * key, and the engine signs with the configured {@code kid}, or else with the newest key (latest {@code iat} in a
 * JWKS, latest certificate in a PKCS#12, else the last key in the file).
 *
 * <p>Key ids: a JWKS's own {@code kid}, a PKCS#12 entry's alias, and else the key's RFC 7638 thumbprint (what
 * {@link #publicKeys()} prints for the EHR). Only RS384 (RSA, 2048 bits or more) and ES384 (EC P-384) sign, as
 * SMART Backend Services require. No message names key material: only the file, the kid and the kind of problem.
 */
public final class SigningKeys {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    private static final int MIN_RSA_BITS = 2048;

    private final Path file;
    private final String configuredKeyId;
    private final char[] password;

    private byte[] loadedDigest;
    private List<JWK> loadedKeys = List.of();
    private SigningKey signing;

    /**
     * @param keyId    the kid to sign with; empty for the newest key in the file
     * @param password of a PKCS#12 file; empty for the others
     */
    public SigningKeys(Path file, String keyId, String password) {
        this.file = file;
        this.configuredKeyId = keyId == null ? "" : keyId.strip();
        this.password = password == null ? new char[0] : password.toCharArray();
    }

    /** The key to sign the next assertion with, from the file as it is now. */
    public synchronized SigningKey current() {
        refresh();
        return signing;
    }

    /** The public halves of every key in the file, as a JWKS: what the EHR registers for this client. */
    public synchronized JWKSet publicKeys() {
        refresh();
        return new JWKSet(loadedKeys).toPublicJWKSet();
    }

    private void refresh() {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (Exception e) {
            throw problem("cannot be read (" + e.getClass().getSimpleName() + "); check the path and that the engine's user may read it");
        }
        byte[] digest = sha256(content);
        if (loadedDigest != null && MessageDigest.isEqual(digest, loadedDigest)) {
            return;
        }
        List<JWK> keys = parse(content);
        SigningKey chosen = choose(keys, isJwks(content));
        boolean changed = signing != null && !signing.keyId().equals(chosen.keyId());
        loadedKeys = keys;
        signing = chosen;
        loadedDigest = digest;
        if (changed) {
            LOG.info("Key file {} changed: client assertions are signed with kid '{}' ({}) from now on", file, chosen.keyId(),
                    chosen.algorithm());
        } else {
            LOG.info("Client assertions are signed with kid '{}' ({}) from key file {} ({} key(s))", chosen.keyId(),
                    chosen.algorithm(), file, keys.size());
        }
    }

    private static boolean isJwks(byte[] content) {
        return new String(content, StandardCharsets.UTF_8).strip().startsWith("{");
    }

    private List<JWK> parse(byte[] content) {
        String text = new String(content, StandardCharsets.UTF_8).strip();
        List<JWK> keys;
        if (isJwks(content)) {
            keys = fromJwks(text);
        } else if (text.contains("-----BEGIN ")) {
            keys = fromPem(text);
        } else {
            keys = fromPkcs12(content);
        }
        if (keys.isEmpty()) {
            throw problem("holds no private key: it must hold the engine's private key(s) (a JWKS with \"d\", PEM PKCS#8 "
                    + "\"BEGIN PRIVATE KEY\", or PKCS#12); the public JWKS is what the EHR gets");
        }
        return Collections.unmodifiableList(keys);
    }

    private List<JWK> fromJwks(String text) {
        List<JWK> found;
        try {
            Map<String, Object> json = JSONObjectUtils.parse(text);
            found = json.containsKey("keys") ? JWKSet.parse(json).getKeys() : List.of(JWK.parse(json));
        } catch (java.text.ParseException e) {
            // the parser's message may quote the file: name only the kind of problem
            throw problem("is not a valid JWK set (JSON with \"keys\") or JWK (" + e.getClass().getSimpleName() + ")");
        }
        List<JWK> keys = new ArrayList<>();
        for (JWK key : found) {
            if (key.isPrivate()) {
                keys.add(key.getKeyID() == null ? withKeyId(key, thumbprint(key), key.getIssueTime()) : key);
            }
        }
        return keys;
    }

    private List<JWK> fromPem(String text) {
        List<JWK> keys = new ArrayList<>();
        Matcher block = PEM_BLOCK.matcher(text);
        while (block.find()) {
            String type = block.group(1);
            switch (type) {
                case "PRIVATE KEY" -> keys.add(fromPkcs8(Base64.getMimeDecoder().decode(block.group(2))));
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw problem("holds a '" + type + "' (PKCS#1/SEC1): convert it to "
                        + "PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out " + file.getFileName());
                case "ENCRYPTED PRIVATE KEY" -> throw problem("holds an encrypted PEM key: use an unencrypted PKCS#8 file readable "
                        + "by the engine's user only, or a PKCS#12 file with its password in the environment");
                default -> {
                    // certificates and public keys beside the key are not needed
                }
            }
        }
        return keys;
    }

    private JWK fromPkcs8(byte[] der) {
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException notRsa) {
            try {
                key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notEc) {
                throw problem("holds a PKCS#8 key that is neither RSA nor EC");
            }
        }
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                RSAKey jwk = new RSAKey.Builder(publicKey).privateKey(rsa).build();
                return withKeyId(jwk, thumbprint(jwk), null);
            }
            if (key instanceof ECPrivateKey ec) {
                byte[] point = Pkcs8EcPublicPoint.of(der);
                if (point == null) {
                    throw problem("holds an EC key without its public part: write it out again with: openssl pkey -in "
                            + file.getFileName() + " -out WITH-PUBLIC.pem");
                }
                int size = (point.length - 1) / 2;
                ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 1 + size)),
                        new BigInteger(1, Arrays.copyOfRange(point, 1 + size, point.length)));
                ECPublicKey publicKey = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, ec.getParams()));
                ECKey jwk = new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), publicKey).privateKey(ec).build();
                return withKeyId(jwk, thumbprint(jwk), null);
            }
        } catch (ConfigurationException e) {
            throw e;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw problem("holds a key whose public part cannot be derived (" + e.getClass().getSimpleName() + ")");
        }
        throw problem("holds an RSA key without its CRT parameters: write it out again with openssl pkcs8 -topk8 -nocrypt");
    }

    private List<JWK> fromPkcs12(byte[] content) {
        KeyStore store;
        try {
            store = KeyStore.getInstance("PKCS12");
            store.load(new ByteArrayInputStream(content), password);
        } catch (Exception e) {
            throw problem("cannot be opened as a PKCS#12 key store (" + e.getClass().getSimpleName()
                    + "); a wrong password? It is read from portal-sync.source.fhir.auth.private-key-password "
                    + "(PORTAL_SYNC_SOURCE_FHIR_AUTH_PRIVATE_KEY_PASSWORD) or private-key-password-file");
        }
        List<JWK> keys = new ArrayList<>();
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (!store.isKeyEntry(alias)) {
                    continue;
                }
                Key key = store.getKey(alias, password);
                Certificate certificate = store.getCertificate(alias);
                if (certificate == null) {
                    throw problem("entry '" + alias + "' has no certificate, so its public key is unknown");
                }
                PublicKey publicKey = certificate.getPublicKey();
                Date issued = certificate instanceof X509Certificate x509 ? x509.getNotBefore() : null;
                if (key instanceof RSAPrivateKey rsa && publicKey instanceof RSAPublicKey rsaPublic) {
                    keys.add(new RSAKey.Builder(rsaPublic).privateKey(rsa).keyID(alias).issueTime(issued).build());
                } else if (key instanceof ECPrivateKey ec && publicKey instanceof ECPublicKey ecPublic) {
                    keys.add(new ECKey.Builder(Curve.forECParameterSpec(ecPublic.getParams()), ecPublic).privateKey(ec)
                            .keyID(alias).issueTime(issued).build());
                } else {
                    throw problem("entry '" + alias + "' is neither an RSA nor an EC key");
                }
            }
        } catch (ConfigurationException e) {
            throw e;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw problem("cannot read its keys (" + e.getClass().getSimpleName() + ")");
        }
        return keys;
    }

    /** The configured kid, else the newest: the latest {@code iat}, and among keys without one the last in the file. */
    private SigningKey choose(List<JWK> keys, boolean keysNameThemselves) {
        JWK chosen = null;
        if (!configuredKeyId.isEmpty()) {
            for (JWK key : keys) {
                if (configuredKeyId.equals(key.getKeyID())) {
                    chosen = key;
                }
            }
            if (chosen == null && keys.size() == 1 && !keysNameThemselves) {
                // one PEM or PKCS#12 key has no kid of its own (a thumbprint or alias): the configured one names it
                chosen = withKeyId(keys.get(0), configuredKeyId, keys.get(0).getIssueTime());
            }
            if (chosen == null) {
                throw problem("holds no key with kid '" + configuredKeyId + "' (portal-sync.source.fhir.auth.key-id); it holds: "
                        + String.join(", ", keys.stream().map(JWK::getKeyID).toList()));
            }
        } else {
            for (JWK key : keys) {
                if (chosen == null || !isOlder(key, chosen)) {
                    chosen = key;
                }
            }
        }
        return new SigningKey(chosen.getKeyID(), algorithmFor(chosen), chosen);
    }

    private static boolean isOlder(JWK key, JWK than) {
        if (key.getIssueTime() == null || than.getIssueTime() == null) {
            return key.getIssueTime() == null && than.getIssueTime() != null;
        }
        return key.getIssueTime().before(than.getIssueTime());
    }

    private JWSAlgorithm algorithmFor(JWK key) {
        String kid = key.getKeyID();
        if (KeyType.RSA.equals(key.getKeyType())) {
            if (key.size() < MIN_RSA_BITS) {
                throw problem("key '" + kid + "' is RSA with " + key.size() + " bits; SMART Backend Services need at least "
                        + MIN_RSA_BITS);
            }
            return checkDeclared(key, JWSAlgorithm.RS384);
        }
        if (KeyType.EC.equals(key.getKeyType())) {
            if (!Curve.P_384.equals(((ECKey) key).getCurve())) {
                throw problem("key '" + kid + "' is EC on curve " + ((ECKey) key).getCurve() + "; ES384 needs P-384 "
                        + "(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384)");
            }
            return checkDeclared(key, JWSAlgorithm.ES384);
        }
        throw problem("key '" + kid + "' is of type " + key.getKeyType() + "; only RSA (RS384) and EC P-384 (ES384) keys sign");
    }

    private JWSAlgorithm checkDeclared(JWK key, JWSAlgorithm algorithm) {
        if (key.getAlgorithm() != null && !algorithm.getName().equals(key.getAlgorithm().getName())) {
            throw problem("key '" + key.getKeyID() + "' declares alg " + key.getAlgorithm() + "; SMART Backend Services sign with "
                    + algorithm + " for this key type");
        }
        return algorithm;
    }

    private static JWK withKeyId(JWK key, String keyId, Date issued) {
        if (key instanceof RSAKey rsa) {
            return new RSAKey.Builder(rsa).keyID(keyId).issueTime(issued).build();
        }
        if (key instanceof ECKey ec) {
            return new ECKey.Builder(ec).keyID(keyId).issueTime(issued).build();
        }
        return key;
    }

    private String thumbprint(JWK key) {
        try {
            return key.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw problem("key thumbprint cannot be computed (" + e.getClass().getSimpleName() + ")");
        }
    }

    private ConfigurationException problem(String what) {
        return new ConfigurationException("portal-sync.source.fhir.auth.private-key-file=" + file + ": the file " + what);
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** One key to sign with; {@link #toString()} names it, never its material. */
    public record SigningKey(String keyId, JWSAlgorithm algorithm, JWK privateKey) {

        JWSSigner signer() throws JOSEException {
            return privateKey instanceof RSAKey rsa ? new RSASSASigner(rsa) : new ECDSASigner((ECKey) privateKey);
        }

        @Override
        public String toString() {
            return "SigningKey[kid=" + keyId + ", " + algorithm + "]";
        }
    }
}
