package org.portalsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.portalsync.alert.ChatWebhookEndpoint;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.sync.TestEngine;
import org.portalsync.webhook.WebhookTestClient;

/**
 * Prometheus scrapes the real engine after real syncs: what it reads is what the generator seeded and
 * what the test did, and never a patient's value or a secret.
 */
class MetricsIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    /** One patient in ten without a name, so that some are rejected; no other defect. */
    private static final SandboxPatientGenerator.DefectRates NAMELESS = new SandboxPatientGenerator.DefectRates(0.10, 0, 0, 0, 0);

    @Test
    void aScrapeCountsThePollsRecordsByOutcomeItsDurationAndAWebhooksLatency() throws Exception {
        long seed = 10651;
        List<SandboxEhr.SeededPatient> seeded = EHR.seedPatientsWithDefects(60, seed, NAMELESS);
        long nameless = seeded.stream().filter(patient -> patient.defect() == SandboxPatientGenerator.Defect.NO_NAME).count();
        assertThat(nameless).as("the generator drew some nameless patients").isBetween(1L, 20L);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WEBHOOK_ENABLED, "true");
        settings.put(PortalSyncSettings.WEBHOOK_SECRET, WebhookTestClient.SECRET);
        settings.put(PortalSyncSettings.WEBHOOK_SWEEP_INTERVAL, "500ms");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();

            Scrape afterPoll = Scrape.of(engine.managementBaseUrl());
            Map<String, String> patients = Map.of("source", "ehr", "resource_type", "Patient");
            assertThat(afterPoll.value("portal_sync_records_synced_total", with(patients, "outcome", "created"))).isEqualTo(60 - nameless);
            assertThat(afterPoll.value("portal_sync_records_failed_total", with(patients, "outcome", "rejected"))).isEqualTo(nameless);
            assertThat(afterPoll.value("portal_sync_records_failed_total", with(patients, "outcome", "dead_lettered"))).isZero();
            assertThat(afterPoll.value("portal_sync_poll_duration_seconds_count", Map.of("feed", "fhir-patient-poll"))).isEqualTo(1);
            assertThat(afterPoll.value("portal_sync_poll_duration_seconds_sum", Map.of("feed", "fhir-patient-poll"))).isPositive();
            assertThat(afterPoll.value("portal_sync_dead_letters", Map.of("status", "NEW"))).isZero();
            assertThat(afterPoll.text()).contains("portal_sync_queue_depth{queue=\"webhook_inbox\"} 0.0")
                    .contains("portal_sync_queue_depth{queue=\"legacy_inbox\"} 0.0");

            // the EHR tells of one patient: read again, found unchanged, and the time from notification to portal is measured
            String notified = seeded.stream().filter(patient -> patient.defect() == SandboxPatientGenerator.Defect.NONE).findFirst()
                    .orElseThrow().id();
            HttpResponse<String> accepted = org.portalsync.testing.TestHttp.client().send(new WebhookTestClient(engine.apiBaseUrl(), "ehr")
                    .signed(WebhookTestClient.idOnly("Patient", notified), Instant.now(), UUID.randomUUID().toString(), WebhookTestClient.SECRET),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isBetween(200, 299);
            Scrape.await(() -> Scrape.of(engine.managementBaseUrl()).value("portal_sync_webhook_latency_seconds_count", patients) == 1);

            Scrape afterWebhook = Scrape.of(engine.managementBaseUrl());
            assertThat(afterWebhook.value("portal_sync_records_synced_total", with(patients, "outcome", "unchanged"))).isEqualTo(1);
            assertThat(afterWebhook.value("portal_sync_webhook_latency_seconds_sum", patients)).isPositive();
            // Camel's own per-route series are there too
            assertThat(afterWebhook.text()).contains("routeId=\"fhir-patient-poll\"");
            assertNoPatientValueOrSecret(afterWebhook, seeded);
        }
    }

    @Test
    void aScrapeCountsDeadLettersByStatusAndTheAlertsEachChannelTook() throws Exception {
        long seed = 10652;
        EHR.seedPatients(3, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl()); ChatWebhookEndpoint chat = new ChatWebhookEndpoint()) {
            Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
            settings.put(PortalSyncSettings.ALERT_WEBHOOK_URL, chat.url());
            settings.put(PortalSyncSettings.ALERT_INTERVAL, "200");
            try (TestEngine engine = TestEngine.start(settings)) {
                proxy.down();
                assertThat(engine.poll()).contains("poll stopped early: EHR_DOWN");
                Scrape.await(() -> chat.bodies().size() == 1);
                Scrape.await(() -> Scrape.of(engine.managementBaseUrl()).value("portal_sync_alerts_sent_total",
                        Map.of("kind", "EHR_DOWN", "channel", "webhook", "notice", "alert")) == 1);

                Scrape scrape = Scrape.of(engine.managementBaseUrl());
                assertThat(scrape.value("portal_sync_dead_letters", Map.of("status", "NEW"))).as("the poll's one page").isEqualTo(1);
                assertThat(scrape.value("portal_sync_dead_letters", Map.of("status", "RESOLVED"))).isZero();
                assertThat(scrape.value("portal_sync_alerts_sent_total", Map.of("notice", "recovered"))).isZero();

                proxy.up();
                engine.poll();
                Scrape.await(() -> Scrape.of(engine.managementBaseUrl()).value("portal_sync_alerts_sent_total",
                        Map.of("kind", "EHR_DOWN", "channel", "webhook", "notice", "recovered")) == 1);
                // the recovery notice goes out at the first success of the source, before the poll has resolved its dead letter
                Scrape.await(() -> Scrape.of(engine.managementBaseUrl()).value("portal_sync_dead_letters", Map.of("status", "NEW")) == 0);
                Scrape recovered = Scrape.of(engine.managementBaseUrl());
                assertThat(recovered.value("portal_sync_dead_letters", Map.of("status", "RESOLVED"))).isEqualTo(1);
                assertThat(recovered.value("portal_sync_records_synced_total", Map.of("source", "ehr", "outcome", "created"))).isEqualTo(3);
                assertThat(recovered.text()).doesNotContain(chat.url()).doesNotContain(EHR.clientSecret());
            }
        }
    }

    private static void assertNoPatientValueOrSecret(Scrape scrape, List<SandboxEhr.SeededPatient> seeded) {
        assertThat(scrape.text()).doesNotContain(EHR.clientSecret()).doesNotContain(WebhookTestClient.SECRET);
        SandboxPatientGenerator generator = new SandboxPatientGenerator(10651, NAMELESS);
        for (SandboxEhr.SeededPatient patient : seeded) {
            var generated = generator.next();
            assertThat(scrape.text()).doesNotContain("/" + patient.id() + "\"").doesNotContain("\"" + patient.id() + "\"");
            if (!generated.getName().isEmpty() && generated.getNameFirstRep().hasFamily()) {
                assertThat(scrape.text()).doesNotContain(generated.getNameFirstRep().getFamily());
            }
        }
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(key, value);
        return all;
    }
}
