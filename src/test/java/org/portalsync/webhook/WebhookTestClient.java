package org.portalsync.webhook;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Sends webhook notifications to the engine over real HTTP, signed as an EHR would sign them. */
public final class WebhookTestClient {

    public static final String SECRET = "whsec-test-0123456789abcdef0123456789abcdef";

    private final HttpClient http = org.portalsync.testing.TestHttp.client();
    private final String url;

    public WebhookTestClient(String apiBaseUrl, String source) {
        this.url = apiBaseUrl + "/webhooks/" + source;
    }

    /** Signed with {@link #SECRET}, now, with a new event id. */
    HttpResponse<String> post(String body) throws Exception {
        return post(body, Instant.now(), UUID.randomUUID().toString(), SECRET);
    }

    HttpResponse<String> post(String body, Instant signedAt, String eventId, String secret) throws Exception {
        return send(signed(body, signedAt, eventId, secret));
    }

    public HttpRequest signed(String body, Instant signedAt, String eventId, String secret) {
        String timestamp = String.valueOf(signedAt.getEpochSecond());
        HttpRequest.Builder request = request(body);
        request.header(WebhookHeaders.TIMESTAMP, timestamp);
        request.header(WebhookHeaders.SIGNATURE, "sha256=" + WebhookSignature.sign(secret, timestamp, body.getBytes(StandardCharsets.UTF_8)));
        if (eventId != null) {
            request.header(WebhookHeaders.EVENT_ID, eventId);
        }
        return request.build();
    }

    HttpRequest.Builder request(String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public static String idOnly(String type, String id) {
        return "{\"resourceType\":\"" + type + "\",\"id\":\"" + id + "\"}";
    }

    /**
     * A FHIR R4 Subscriptions backport notification: a history Bundle whose first entry is the
     * SubscriptionStatus Parameters.
     *
     * @param firstEvent the first event's number; one event per focus, numbered on from it
     */
    static String subscriptionNotification(String subscription, String type, long eventsSinceStart, long firstEvent, String... foci) {
        List<String> parameters = new ArrayList<>();
        parameters.add("{\"name\":\"subscription\",\"valueReference\":{\"reference\":\"" + subscription + "\"}}");
        parameters.add("{\"name\":\"topic\",\"valueCanonical\":\"http://example.org/topics/patient-change\"}");
        parameters.add("{\"name\":\"status\",\"valueCode\":\"active\"}");
        parameters.add("{\"name\":\"type\",\"valueCode\":\"" + type + "\"}");
        parameters.add("{\"name\":\"eventsSinceSubscriptionStart\",\"valueString\":\"" + eventsSinceStart + "\"}");
        for (int i = 0; i < foci.length; i++) {
            parameters.add("{\"name\":\"notificationEvent\",\"part\":[{\"name\":\"eventNumber\",\"valueString\":\"" + (firstEvent + i)
                    + "\"},{\"name\":\"timestamp\",\"valueInstant\":\"" + Instant.now() + "\"},{\"name\":\"focus\",\"valueReference\":"
                    + "{\"reference\":\"" + foci[i] + "\"}}]}");
        }
        return "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"timestamp\":\"" + Instant.now() + "\",\"entry\":[{\"fullUrl\":"
                + "\"urn:uuid:" + UUID.randomUUID() + "\",\"resource\":{\"resourceType\":\"Parameters\",\"meta\":{\"profile\":["
                + "\"http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4\"]},\"parameter\":["
                + String.join(",", parameters) + "]},\"request\":{\"method\":\"GET\",\"url\":\"" + subscription + "/$status\"},"
                + "\"response\":{\"status\":\"200\"}}]}";
    }
}
