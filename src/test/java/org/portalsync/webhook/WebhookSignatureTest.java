package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    @Test
    void signsTimestampDotBodyAsOpensslDoes() {
        // printf '%s' '1795000000.{"resourceType":"Patient","id":"123"}' | openssl dgst -sha256 -hmac 'whsec-example'
        // (the README's example)
        assertThat(WebhookSignature.sign("whsec-example", "1795000000",
                "{\"resourceType\":\"Patient\",\"id\":\"123\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("8bc3503bccd6d433886f225554d0691f02eb6ef6defa722bc810f94dcb8d0318");
    }

    @Test
    void readsOnlyTheSha256FormOfTheHeader() {
        String hex = "8bc3503bccd6d433886f225554d0691f02eb6ef6defa722bc810f94dcb8d0318";
        assertThat(WebhookSignature.digestOf("sha256=" + hex)).hasValue(hex);
        assertThat(WebhookSignature.digestOf("SHA256=" + hex.toUpperCase())).hasValue(hex);
        assertThat(WebhookSignature.digestOf(hex)).isEmpty();
        assertThat(WebhookSignature.digestOf("sha1=" + hex)).isEmpty();
        assertThat(WebhookSignature.digestOf("sha256=" + hex.substring(1))).isEmpty();
        assertThat(WebhookSignature.digestOf("sha256=" + hex.replace('8', 'g'))).isEmpty();
        assertThat(WebhookSignature.digestOf(null)).isEmpty();
    }

    @Test
    void secretsShowAtMostTheirLastFourCharacters() {
        assertThat(new WebhookSecrets(java.util.Map.of("ehr", "whsec-0123456789abcdef")).toString())
                .isEqualTo("WebhookSecrets[ehr=****cdef]").doesNotContain("0123456789");
    }
}
