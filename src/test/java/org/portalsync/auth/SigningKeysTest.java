package org.portalsync.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.ConfigurationException;

/** Reading the engine's private keys: formats, the key chosen during a rotation, and errors that name no key material. */
class SigningKeysTest {

    @TempDir
    Path dir;

    @Test
    void rsaSignsWithRs384AndEcP384WithEs384() throws Exception {
        JWK rsa = TestKeys.rsa("rsa-1");
        JWK ec = TestKeys.ec("ec-1");

        SigningKeys.SigningKey rsaKey = new SigningKeys(TestKeys.writeJwks(dir.resolve("rsa.json"), rsa), "", "").current();
        SigningKeys.SigningKey ecKey = new SigningKeys(TestKeys.writeJwks(dir.resolve("ec.json"), ec), "", "").current();

        assertThat(rsaKey.keyId()).isEqualTo("rsa-1");
        assertThat(rsaKey.algorithm()).isEqualTo(JWSAlgorithm.RS384);
        assertThat(ecKey.keyId()).isEqualTo("ec-1");
        assertThat(ecKey.algorithm()).isEqualTo(JWSAlgorithm.ES384);
    }

    @Test
    void withoutAConfiguredKidTheNewestKeySigns() throws Exception {
        Instant now = Instant.now();
        JWK older = TestKeys.rsa("2025-old", now.minusSeconds(86_400));
        JWK newer = TestKeys.ec("2026-new", now);

        // newest by iat, wherever it stands in the file
        assertThat(new SigningKeys(TestKeys.writeJwks(dir.resolve("a.json"), newer, older), "", "").current().keyId()).isEqualTo("2026-new");
        // without iat: the last key in the file
        assertThat(new SigningKeys(TestKeys.writeJwks(dir.resolve("b.json"), TestKeys.rsa("first"), TestKeys.rsa("second")), "", "")
                .current().keyId()).isEqualTo("second");
        // a configured kid wins over the newest
        assertThat(new SigningKeys(TestKeys.writeJwks(dir.resolve("c.json"), older, newer), "2025-old", "").current().keyId())
                .isEqualTo("2025-old");
    }

    @Test
    void theFileIsReadAgainWhenItChanges() throws Exception {
        Path file = TestKeys.writeJwks(dir.resolve("keys.json"), TestKeys.rsa("one"));
        SigningKeys keys = new SigningKeys(file, "", "");
        assertThat(keys.current().keyId()).isEqualTo("one");

        TestKeys.writeJwks(file, TestKeys.rsa("one"), TestKeys.rsa("two"));

        assertThat(keys.current().keyId()).isEqualTo("two");
        assertThat(keys.publicKeys().getKeys()).extracting(JWK::getKeyID).containsExactly("one", "two");
        assertThat(keys.publicKeys().getKeys()).noneMatch(JWK::isPrivate);
    }

    @Test
    void aPemKeyIsNamedByItsThumbprintOrTheConfiguredKid() throws Exception {
        JWK rsa = TestKeys.rsa("ignored");
        Path pem = TestKeys.writePem(dir.resolve("engine-key.pem"), rsa);

        SigningKeys.SigningKey byThumbprint = new SigningKeys(pem, "", "").current();
        SigningKeys.SigningKey named = new SigningKeys(pem, "engine-2026", "").current();

        assertThat(byThumbprint.keyId()).isEqualTo(rsa.computeThumbprint().toString());
        assertThat(byThumbprint.algorithm()).isEqualTo(JWSAlgorithm.RS384);
        assertThat(named.keyId()).isEqualTo("engine-2026");
        assertThat(((com.nimbusds.jose.jwk.RSAKey) named.privateKey()).getModulus()).isEqualTo(rsa.toRSAKey().getModulus());
    }

    @Test
    void keysMadeWithTheReadmesOpensslCommandsAreRead() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(OpenSsl.available(), "openssl is not installed");
        Path ec = OpenSsl.run(dir, "ec.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384");
        Path rsa = OpenSsl.run(dir, "rsa.pem", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072");

        SigningKeys ecKeys = new SigningKeys(ec, "", "");
        SigningKeys rsaKeys = new SigningKeys(rsa, "", "");

        assertThat(ecKeys.current().algorithm()).isEqualTo(JWSAlgorithm.ES384);
        assertThat(rsaKeys.current().algorithm()).isEqualTo(JWSAlgorithm.RS384);
        // the public JWKS printed for the EHR holds the public half of the very key that signs
        for (SigningKeys keys : java.util.List.of(ecKeys, rsaKeys)) {
            JWK published = keys.publicKeys().getKeyByKeyId(keys.current().keyId());
            assertThat(published).isNotNull();
            assertThat(published.isPrivate()).isFalse();
            assertThat(published.toJSONObject()).isEqualTo(keys.current().privateKey().toPublicJWK().toJSONObject());
        }
    }

    @Test
    void errorsNameTheFileAndKidButNoKeyMaterial() throws Exception {
        JWK rsa = TestKeys.rsa("only");
        Path file = TestKeys.writeJwks(dir.resolve("keys.json"), rsa);
        String secretPart = rsa.toRSAKey().getPrivateExponent().toString();

        assertThatThrownBy(() -> new SigningKeys(file, "missing", "").current())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("kid 'missing'").hasMessageContaining("only")
                .hasMessageNotContaining(secretPart);

        Files.writeString(file, rsa.toJSONString().substring(0, 200));
        assertThatThrownBy(() -> new SigningKeys(file, "", "").current())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining(file.toString())
                .hasMessageNotContaining(rsa.toJSONString().substring(20, 60));

        TestKeys.writeJwks(file, rsa.toPublicJWK());
        assertThatThrownBy(() -> new SigningKeys(file, "", "").current()).hasMessageContaining("holds no private key");

        Files.writeString(file, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> new SigningKeys(file, "", "").current()).hasMessageContaining("openssl pkcs8 -topk8");

        assertThatThrownBy(() -> new SigningKeys(dir.resolve("absent.json"), "", "").current())
                .hasMessageContaining("absent.json").hasMessageContaining("cannot be read");
    }

    @Test
    void keysSmartDoesNotAllowAreRefused() throws Exception {
        JWK p256 = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("p256").generate();
        JWK rsa1024 = new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(1024, true).keyID("short").generate();

        assertThatThrownBy(() -> new SigningKeys(TestKeys.writeJwks(dir.resolve("p256.json"), p256), "", "").current())
                .hasMessageContaining("P-384");
        assertThatThrownBy(() -> new SigningKeys(TestKeys.writeJwks(dir.resolve("short.json"), rsa1024), "", "").current())
                .hasMessageContaining("at least 2048");
    }
}
