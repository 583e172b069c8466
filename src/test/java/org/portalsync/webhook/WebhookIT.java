package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxAppointmentGenerator;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * POST /webhooks/{source} over real HTTP to the real engine, against the sandbox EHR: a valid
 * notification (id-only, reference or full resource) brings the EHR's current resource into the
 * portal; a forged, stale, replayed, malformed or unsupported one is refused with its status, a JSON
 * body and an audit row, and stores nothing.
 */
class WebhookIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    static final String WEBHOOK_ACTION = "API POST /webhooks/ehr";

    static Map<String, String> webhookSettings(String fhirBaseUrl, long seed, String secret) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, fhirBaseUrl, "h2", seed));
        settings.put(PortalSyncSettings.WEBHOOK_ENABLED, "true");
        settings.put(PortalSyncSettings.WEBHOOK_SECRET, secret);
        settings.put(PortalSyncSettings.WEBHOOK_SWEEP_INTERVAL, "500ms");
        return settings;
    }

    /** Waits (up to 60 s) until every inbox row is done. */
    static void awaitInboxDone(TestEngine engine) throws Exception {
        await(() -> engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE done_at IS NULL") == 0);
    }

    static void await(Callable<Boolean> condition) throws Exception {
        for (Instant until = Instant.now().plusSeconds(60); Instant.now().isBefore(until); Thread.sleep(50)) {
            if (condition.call()) {
                return;
            }
        }
        assertThat(condition.call()).as("condition not met within 60 s").isTrue();
    }

    @Test
    void idOnlyReferenceAndFullPayloadsBringTheEhrsCurrentVersionIn() throws Exception {
        long seed = 10201;
        List<String> ids = EHR.seedPatients(4, seed);
        List<SandboxEhr.SeededCoverage> coverages = EHR.seedCoverages(List.of(ids.get(3)), seed);
        try (TestEngine engine = TestEngine.start(webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET))) {
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            // a full payload is a trigger only: the EHR's newer version is what the portal gets, not the one pushed
            Patient pushed = EHR.adminClient().read().resource(Patient.class).withId(ids.get(1)).execute();
            String pushedJson = FhirContext.forR4Cached().newJsonParser().encodeResourceToString(pushed);
            Patient newer = pushed.copy();
            newer.getNameFirstRep().setFamily("Newer-than-pushed");
            EHR.adminClient().update().resource(newer).execute();

            HttpResponse<String> idOnly = client.post(WebhookTestClient.idOnly("Patient", ids.get(0)));
            HttpResponse<String> full = client.post(pushedJson);
            HttpResponse<String> reference = client.post("{\"reference\":\"" + EHR.fhirBaseUrl() + "/Patient/" + ids.get(2) + "/_history/1\"}");
            HttpResponse<String> coverage = client.post("{\"reference\":\"Coverage/" + coverages.get(0).id() + "\"}");

            for (HttpResponse<String> response : List.of(idOnly, full, reference, coverage)) {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                assertThat(response.body()).contains("\"status\":\"accepted\"").contains("\"resources\":1");
            }
            awaitInboxDone(engine);
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE source_id = ?", ids.get(1)).get(0))
                    .containsEntry("legal_family", "Newer-than-pushed");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("the three notified and the Coverage's beneficiary").isEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_insurance WHERE source_id = ?", coverages.get(0).id())).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE outcome = 'SYNCED'")).isEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = ? AND result = '202' AND actor = 'webhook:ehr'",
                    WEBHOOK_ACTION)).isEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_claim")).isZero();
        }
    }

    @Test
    void anAppointmentNotificationBringsTheAppointmentInAfterItsPatient() throws Exception {
        long seed = 10250;
        List<String> patients = EHR.seedPatients(3, seed);
        SandboxEhr.SeededSchedule schedule = EHR.seedAppointments(patients, seed);
        SandboxEhr.SeededAppointment booked = schedule.ofKind(SandboxAppointmentGenerator.Kind.BOOKED).get(0);
        SandboxEhr.SeededAppointment cancelled = schedule.ofKind(SandboxAppointmentGenerator.Kind.CANCELLED).get(0);
        String bookedStatus = EHR.adminClient().read().resource(Appointment.class).withId(booked.id()).execute().getStatus().toCode();
        try (TestEngine engine = TestEngine.start(webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET))) {
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");

            for (SandboxEhr.SeededAppointment appointment : List.of(booked, cancelled)) {
                HttpResponse<String> response = client.post(WebhookTestClient.idOnly("Appointment", appointment.id()));
                assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            }
            awaitInboxDone(engine);

            // the portal knew neither patient: each was fetched before its appointment was stored
            assertThat(engine.rows("SELECT a.source_id, a.status, p.source_id AS patient FROM portal_appointment a"
                    + " JOIN portal_patient p ON p.id = a.patient_id ORDER BY a.id"))
                    .extracting(row -> row.get("source_id") + " " + row.get("status") + " " + row.get("patient"))
                    .containsExactlyInAnyOrder(booked.id() + " " + bookedStatus + " " + booked.patientId(),
                            cancelled.id() + " cancelled " + cancelled.patientId());
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE outcome = 'SYNCED'")).isEqualTo(2);
        }
    }

    @Test
    void forgedStaleReplayedMalformedAndUnsupportedRequestsAreRefusedAndStoreNothing() throws Exception {
        long seed = 10202;
        List<String> ids = EHR.seedPatients(2, seed);
        Map<String, String> settings = webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        // a type listed by the operator that no route of the engine syncs
        settings.put(PortalSyncSettings.WEBHOOK_RESOURCE_TYPES, "Patient,Coverage,Appointment,Encounter");
        try (TestEngine engine = TestEngine.start(settings)) {
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            String body = WebhookTestClient.idOnly("Patient", ids.get(0));

            HttpResponse<String> forged = client.post(body, Instant.now(), "forged-1", "not-the-secret-0123456789");
            var tampered = client.signed(body, Instant.now(), "tampered-1", WebhookTestClient.SECRET);
            HttpResponse<String> tamperedResponse = client.send(client.request(WebhookTestClient.idOnly("Patient", ids.get(1)))
                    .headers(tampered.headers().map().entrySet().stream()
                            .filter(header -> header.getKey().startsWith("X-PortalSync"))
                            .flatMap(header -> java.util.stream.Stream.of(header.getKey(), header.getValue().get(0))).toArray(String[]::new))
                    .build());
            HttpResponse<String> unsigned = client.send(client.request(body).build());
            HttpResponse<String> stale = client.post(body, Instant.now().minusSeconds(6 * 60), "stale-1", WebhookTestClient.SECRET);
            HttpResponse<String> future = client.post(body, Instant.now().plusSeconds(6 * 60), "future-1", WebhookTestClient.SECRET);
            var original = client.signed(body, Instant.now(), "event-1", WebhookTestClient.SECRET);
            HttpResponse<String> first = client.send(original);
            HttpResponse<String> replayed = client.send(original);
            // the same signed request under another event id (the event id is not signed): the signature gives it away
            HttpResponse<String> replayedNewId = client.send(client.request(body)
                    .header(WebhookHeaders.TIMESTAMP, original.headers().firstValue(WebhookHeaders.TIMESTAMP).orElseThrow())
                    .header(WebhookHeaders.SIGNATURE, original.headers().firstValue(WebhookHeaders.SIGNATURE).orElseThrow())
                    .header(WebhookHeaders.EVENT_ID, "event-2").build());
            HttpResponse<String> notJson = client.post("{\"resourceType\": \"Patient\", \"id\": ");
            HttpResponse<String> noId = client.post("{\"resourceType\":\"Patient\"}");
            HttpResponse<String> badId = client.post("{\"resourceType\":\"Patient\",\"id\":\"a b\"}");
            HttpResponse<String> notABundle = client.post("{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}");
            HttpResponse<String> unsupported = client.post(WebhookTestClient.idOnly("Observation", "obs-1"));
            HttpResponse<String> noRoute = client.post(WebhookTestClient.idOnly("Encounter", "enc-1"));
            HttpResponse<String> unknownSource = new WebhookTestClient(engine.apiBaseUrl(), "other-ehr").post(body);

            assertRefused(forged, 401, "invalid_signature");
            assertRefused(tamperedResponse, 401, "invalid_signature");
            assertRefused(unsigned, 401, "invalid_signature");
            assertRefused(stale, 401, "stale_request");
            assertRefused(future, 401, "stale_request");
            assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
            assertRefused(replayed, 401, "replayed_request");
            assertRefused(replayedNewId, 401, "replayed_request");
            assertRefused(notJson, 400, "invalid_json");
            assertRefused(noId, 400, "invalid_json");
            assertThat(noId.body()).contains("$.id");
            assertRefused(badId, 400, "invalid_json");
            assertRefused(notABundle, 400, "invalid_json");
            assertRefused(unsupported, 422, "unsupported_resource_type");
            assertThat(unsupported.body()).contains("Observation");
            assertRefused(noRoute, 422, "unsupported_resource_type");
            assertThat(noRoute.body()).contains("Encounter").contains("direct:fhir-encounter-refresh");
            assertRefused(unknownSource, 404, "not_found");
            assertThat(forged.body()).doesNotContain(WebhookTestClient.SECRET.substring(WebhookTestClient.SECRET.length() - 8));

            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox")).as("only the one valid request").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox_item")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = ? AND result = '401' AND actor = 'anonymous'", WEBHOOK_ACTION))
                    .as("forged, tampered, unsigned, stale, future").isEqualTo(5);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = ? AND result = '401' AND actor = 'webhook:ehr'", WEBHOOK_ACTION))
                    .as("the two replays: signed right, refused as replays").isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = ? AND result = '400'", WEBHOOK_ACTION)).isEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = ? AND result = '422'", WEBHOOK_ACTION)).isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'API POST /webhooks/other-ehr' AND result = '404'"))
                    .isEqualTo(1);
        }
    }

    private static void assertRefused(HttpResponse<String> response, int status, String error) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).contains("\"error\":\"" + error + "\"");
    }
}
