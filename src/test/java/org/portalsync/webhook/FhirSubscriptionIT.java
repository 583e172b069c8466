package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.webhook.WebhookIT.await;
import static org.portalsync.webhook.WebhookIT.awaitInboxDone;
import static org.portalsync.webhook.WebhookTestClient.subscriptionNotification;

import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * FHIR R4 Subscriptions (backport IG) rest-hook notifications over real HTTP: handshake and heartbeat
 * are recorded (200), an event notification's foci are synced (202), and a gap in the event numbers or
 * a Subscription gone silent runs the resource type's poll now (a catch-up), recorded.
 */
class FhirSubscriptionIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String SUBSCRIPTION = "Subscription/portal-patients";

    @Test
    void handshakeHeartbeatAndEventsAreRecordedAndAGapRunsTheCatchUpPoll() throws Exception {
        long seed = 10230;
        List<String> ids = EHR.seedPatients(6, seed);
        try (TestEngine engine = TestEngine.start(WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET))) {
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");

            HttpResponse<String> handshake = client.post(subscriptionNotification(SUBSCRIPTION, "handshake", 0, 0));
            HttpResponse<String> heartbeat = client.post(subscriptionNotification(SUBSCRIPTION, "heartbeat", 0, 0));
            HttpResponse<String> first = client.post(subscriptionNotification(SUBSCRIPTION, "event-notification", 1, 1, "Patient/" + ids.get(0)));
            HttpResponse<String> second = client.post(subscriptionNotification(SUBSCRIPTION, "event-notification", 2, 2, "Patient/" + ids.get(1)));

            assertThat(handshake.statusCode()).as(handshake.body()).isEqualTo(200);
            assertThat(handshake.body()).contains("\"status\":\"recorded\"");
            assertThat(heartbeat.statusCode()).isEqualTo(200);
            assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
            assertThat(second.statusCode()).isEqualTo(202);
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("only the two notified: no poll ran").isEqualTo(2);
            assertThat(engine.rows("SELECT handshake_at, last_heartbeat_at, last_event_number, last_type, resource_types "
                    + "FROM fhir_subscription WHERE subscription = ?", SUBSCRIPTION).get(0))
                    .containsEntry("last_event_number", 2L).containsEntry("last_type", "event-notification")
                    .containsEntry("resource_types", "Patient")
                    .hasEntrySatisfying("handshake_at", at -> assertThat(at).isNotNull())
                    .hasEntrySatisfying("last_heartbeat_at", at -> assertThat(at).isNotNull());
            assertThat(engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up")).isZero();

            // events 3 and 4 are lost on the way; event 5 names a third patient
            HttpResponse<String> afterGap = client.post(subscriptionNotification(SUBSCRIPTION, "event-notification", 5, 5, "Patient/" + ids.get(2)));

            assertThat(afterGap.statusCode()).isEqualTo(202);
            assertThat(afterGap.body()).contains("\"catch_up\":\"events 3 to 4 never arrived");
            await(() -> engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up WHERE finished_at IS NOT NULL") == 1);
            awaitInboxDone(engine);
            List<Map<String, Object>> catchUps = engine.rows("SELECT reason, resource_types, outcome FROM fhir_subscription_catch_up");
            assertThat(catchUps.get(0)).containsEntry("resource_types", "Patient");
            assertThat((String) catchUps.get(0).get("reason")).isEqualTo("events 3 to 4 never arrived (event 5 came after 2)");
            assertThat((String) catchUps.get(0).get("outcome")).startsWith("Patient: Synced ");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("the catch-up poll brought every seeded patient")
                    .isEqualTo(ids.size());

            // a notification sent again, or late, is no gap
            HttpResponse<String> late = client.post(subscriptionNotification(SUBSCRIPTION, "event-notification", 4, 4, "Patient/" + ids.get(3)));
            HttpResponse<String> heartbeatAfter = client.post(subscriptionNotification(SUBSCRIPTION, "heartbeat", 5, 0));
            assertThat(late.statusCode()).isEqualTo(202);
            assertThat(heartbeatAfter.statusCode()).isEqualTo(200);
            assertThat(engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up")).isEqualTo(1);
            // a heartbeat that counts more events than arrived is a gap too
            HttpResponse<String> heartbeatAhead = client.post(subscriptionNotification(SUBSCRIPTION, "heartbeat", 7, 0));
            assertThat(heartbeatAhead.statusCode()).isEqualTo(200);
            assertThat(heartbeatAhead.body()).contains("\"catch_up\":\"heartbeat counts 7 events, the last that arrived was 5\"");
            await(() -> engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up WHERE finished_at IS NOT NULL") == 2);
        }
    }

    @Test
    void aSilentSubscriptionGetsOneCatchUpAndUnsignedNotificationsNeedNoSecret() throws Exception {
        long seed = 10231;
        List<String> ids = EHR.seedPatients(5, seed);
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, "");
        settings.put(PortalSyncSettings.SUBSCRIPTION_HEARTBEAT_PERIOD, "1s");
        settings.put(PortalSyncSettings.SUBSCRIPTION_HEARTBEAT_MISSES, "2");
        settings.put(PortalSyncSettings.SUBSCRIPTION_CHECK_INTERVAL, "200ms");
        try (TestEngine engine = TestEngine.start(settings)) {
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");

            // no secret configured: the Subscriptions spec has no signature, so these come unsigned; anything else is refused
            HttpResponse<String> handshake = client.send(client.request(subscriptionNotification(SUBSCRIPTION, "handshake", 0, 0)).build());
            HttpResponse<String> plain = client.send(client.request(WebhookTestClient.idOnly("Patient", ids.get(0))).build());
            assertThat(handshake.statusCode()).as(handshake.body()).isEqualTo(200);
            assertThat(plain.statusCode()).isEqualTo(401);

            await(() -> engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up WHERE finished_at IS NOT NULL") >= 1);
            Thread.sleep(2500);
            List<Map<String, Object>> catchUps = engine.rows("SELECT reason, resource_types, outcome FROM fhir_subscription_catch_up");
            assertThat(catchUps).as("one per silence").hasSize(1);
            assertThat((String) catchUps.get(0).get("reason")).isEqualTo("no notification for 2 s (heartbeats stopped)");
            assertThat(catchUps.get(0)).containsEntry("resource_types", "Patient");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(ids.size());

            // it speaks again: the silence ends, and a new one would be caught again
            HttpResponse<String> event = client.send(client.request(subscriptionNotification(SUBSCRIPTION, "event-notification", 1, 1,
                    "Patient/" + ids.get(0))).build());
            HttpResponse<String> sameAgain = client.send(client.request(subscriptionNotification(SUBSCRIPTION, "event-notification", 1, 1,
                    "Patient/" + ids.get(0))).build());
            assertThat(event.statusCode()).isEqualTo(202);
            assertThat(sameAgain.statusCode()).as("the same unsigned event again is a replay").isEqualTo(401);
            assertThat(engine.rows("SELECT silent_since FROM fhir_subscription").get(0)).containsEntry("silent_since", null);
            await(() -> engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up") == 2);
            Set<String> reasons = new HashSet<>();
            engine.rows("SELECT reason FROM fhir_subscription_catch_up").forEach(row -> reasons.add((String) row.get("reason")));
            assertThat(reasons).containsOnly("no notification for 2 s (heartbeats stopped)");
        }
    }

    /**
     * With the shipped trigger, a schedule behind the cluster's master lock: the catch-up runs the poll on
     * the instance that holds the lock, through the trigger's own consumer.
     */
    @Test
    void aGapRunsTheCatchUpThroughTheShippedMasterLockTrigger() throws Exception {
        long seed = 10232;
        List<String> before = EHR.seedPatients(3, seed);
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        settings.remove(PortalSyncSettings.FHIR_POLL_TRIGGER);
        // the schedule's first poll runs at start-up; the next one would be an hour later
        settings.put(PortalSyncSettings.FHIR_POLL_INTERVAL, "1h");
        try (TestEngine engine = TestEngine.start(settings)) {
            await(() -> engine.count("SELECT COUNT(*) FROM portal_patient") == before.size());
            List<String> after = EHR.seedPatients(2, seed);
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            assertThat(client.post(subscriptionNotification(SUBSCRIPTION, "handshake", 0, 0)).statusCode()).isEqualTo(200);
            // events 1 and 2 are lost on the way: event 3 tells
            HttpResponse<String> afterGap = client.post(subscriptionNotification(SUBSCRIPTION, "event-notification", 3, 3,
                    "Patient/" + before.get(0)));

            assertThat(afterGap.statusCode()).as(afterGap.body()).isEqualTo(202);
            await(() -> engine.count("SELECT COUNT(*) FROM fhir_subscription_catch_up WHERE finished_at IS NOT NULL") == 1);
            assertThat((String) engine.rows("SELECT outcome FROM fhir_subscription_catch_up").get(0).get("outcome")).startsWith("Patient: Synced ");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("the catch-up brought the patients added since")
                    .isEqualTo(before.size() + after.size());
        }
    }
}
