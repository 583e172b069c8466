package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.InvalidJsonException;
import org.portalsync.webhook.WebhookNotification.Kind;
import org.portalsync.webhook.WebhookNotification.ResourceKey;

class ParseWebhookNotificationTest {

    private final ParseWebhookNotification parser = new ParseWebhookNotification("https://ehr.example.org/fhir/");

    private WebhookNotification parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsIdOnlyReferenceAndFullResourceAsTheResourceToSync() {
        assertThat(parse("{\"resourceType\":\"Appointment\",\"id\":\"123\"}").resources()).containsExactly(new ResourceKey("Appointment", "123"));
        assertThat(parse("{\"reference\":\"Patient/p-1\"}").resources()).containsExactly(new ResourceKey("Patient", "p-1"));
        assertThat(parse("{\"reference\":\"https://ehr.example.org/fhir/Patient/p-1/_history/3\"}").resources())
                .containsExactly(new ResourceKey("Patient", "p-1"));
        WebhookNotification full = parse("{\"resourceType\":\"Patient\",\"id\":\"9\",\"meta\":{\"versionId\":\"2\"},"
                + "\"name\":[{\"family\":\"Doe\"}]}");
        assertThat(full.kind()).isEqualTo(Kind.RESOURCE);
        assertThat(full.resources()).containsExactly(new ResourceKey("Patient", "9"));
    }

    @Test
    void readsTheR4BackportEventNotification() {
        WebhookNotification event = parse(WebhookTestClient.subscriptionNotification("Subscription/s1", "event-notification", 6, 5,
                "Patient/a", "https://ehr.example.org/fhir/Appointment/b"));
        assertThat(event.kind()).isEqualTo(Kind.EVENT);
        assertThat(event.resources()).containsExactly(new ResourceKey("Patient", "a"), new ResourceKey("Appointment", "b"));
        assertThat(event.subscription().subscription()).isEqualTo("Subscription/s1");
        assertThat(event.subscription().eventsSinceStart()).isEqualTo(6L);
        assertThat(event.subscription().eventNumbers()).containsExactly(5L, 6L);
        WebhookNotification heartbeat = parse(WebhookTestClient.subscriptionNotification("Subscription/s1", "heartbeat", 6, 0));
        assertThat(heartbeat.kind()).isEqualTo(Kind.HEARTBEAT);
        assertThat(heartbeat.resources()).isEmpty();
    }

    @Test
    void readsTheR5StyleSubscriptionStatusToo() {
        WebhookNotification event = parse("{\"resourceType\":\"Bundle\",\"type\":\"subscription-notification\",\"entry\":[{\"resource\":"
                + "{\"resourceType\":\"SubscriptionStatus\",\"type\":\"event-notification\",\"eventsSinceSubscriptionStart\":3,"
                + "\"subscription\":{\"reference\":\"Subscription/s2\"},\"notificationEvent\":[{\"eventNumber\":3,"
                + "\"focus\":{\"reference\":\"Patient/x\"}}]}}]}");
        assertThat(event.resources()).containsExactly(new ResourceKey("Patient", "x"));
        assertThat(event.subscription().eventNumbers()).isEqualTo(List.of(3L));
    }

    @Test
    void refusesWhatItCannotReadNamingThePathNotTheValue() {
        assertThatThrownBy(() -> parse("{\"resourceType\":\"Patient\"")).isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> parse("[]")).isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> parse("{\"resourceType\":\"Patient\",\"id\":\"Jane Doe\"}"))
                .isInstanceOf(InvalidJsonException.class).hasMessageStartingWith("$.id").hasMessageNotContaining("Jane");
        assertThatThrownBy(() -> parse("{\"resourceType\":\"Patient\",\"id\":\"1\",\"id\":\"2\"}")).isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> parse("{\"reference\":\"Patient\"}")).isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> parse("{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"}}]}"))
                .isInstanceOf(InvalidJsonException.class).hasMessageStartingWith("$.entry[0].resource");
        assertThatThrownBy(() -> parse(WebhookTestClient.subscriptionNotification("Subscription/s1", "query-status", 1, 1)))
                .isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> parse("{\"reference\":\"https://elsewhere.example.com/fhir/Patient/1\"}"))
                .isInstanceOf(ApiRefusal.class).satisfies(e -> assertThat(((ApiRefusal) e).status()).isEqualTo(422));
    }
}
