package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ApiKeyTest {

    @Test
    void aKeyIsTheClientIdAndThirtyTwoRandomBytesInBase64Url() {
        Set<String> secrets = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            String key = ApiKey.generate("portal");
            assertThat(key).startsWith("portal.").matches("portal\\.[A-Za-z0-9_-]{43}");
            byte[] secret = Base64.getUrlDecoder().decode(key.substring("portal.".length()));
            assertThat(secret).hasSize(32);
            secrets.add(key);
        }
        assertThat(secrets).as("no two keys alike").hasSize(100);
    }

    @Test
    void theHashIsTheSha256OfTheWholeKeyInHex() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1
        assertThat(ApiKey.hash("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        String key = ApiKey.generate("portal");
        assertThat(ApiKey.matches(key, ApiKey.hash(key))).isTrue();
        assertThat(ApiKey.matches(key + "x", ApiKey.hash(key))).isFalse();
        assertThat(ApiKey.matches(key, "not hex")).isFalse();
    }

    @Test
    void theClientIdIsWhatComesBeforeTheFirstDot() {
        assertThat(ApiKey.clientIdOf("portal.abc.def")).contains("portal");
        assertThat(ApiKey.clientIdOf("no-dot")).isEmpty();
        assertThat(ApiKey.clientIdOf(".abc")).isEmpty();
        assertThat(ApiKey.clientIdOf("Portal.abc")).as("client ids are lower case").isEmpty();
        assertThat(ApiKey.clientIdOf(null)).isEqualTo(Optional.empty());
        assertThatThrownBy(() -> ApiKey.generate("front desk")).isInstanceOf(IllegalArgumentException.class);
    }
}
