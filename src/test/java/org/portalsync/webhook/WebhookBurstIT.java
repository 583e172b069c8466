package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.webhook.WebhookIT.awaitInboxDone;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * A burst of notifications (396 for 40 patients) from 8 senders at once, with duplicates, exact replays, stale full
 * payloads and out-of-order delivery, while the EHR keeps changing the patients: every patient ends in
 * the portal once, in its latest state. Then: rows a stopped engine left pending are synced after a
 * restart, many notifications of one resource with one read.
 */
class WebhookBurstIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ca.uhn.fhir.parser.IParser JSON = FhirContext.forR4Cached().newJsonParser();

    @Test
    void aBurstOfNotificationsWithDuplicatesAndOutOfOrderLeavesEveryPatientInItsLatestState() throws Exception {
        long seed = 10210;
        // 40 patients: 396 requests; the larger bursts are ./mvnw -Pbench-webhook's
        int patients = 40;
        List<String> ids = EHR.seedPatients(patients, seed);
        Random random = new Random(seed);
        Map<String, String> latestFamily = new HashMap<>();
        Map<String, String> firstVersionJson = new HashMap<>();
        Map<String, String> secondVersionJson = new HashMap<>();
        for (int i = 0; i < patients; i++) {
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(ids.get(i)).execute();
            firstVersionJson.put(ids.get(i), JSON.encodeResourceToString(patient));
            latestFamily.put(ids.get(i), update(patient, "Burst-" + i + "-a"));
            secondVersionJson.put(ids.get(i), JSON.encodeResourceToString(
                    EHR.adminClient().read().resource(Patient.class).withId(ids.get(i)).execute()));
        }
        Map<String, String> settings = new HashMap<>(WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET));
        settings.put(PortalSyncSettings.WEBHOOK_WORKERS, "3");
        try (TestEngine engine = TestEngine.start(settings)) {
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            // every version of every patient, in each form an EHR may send it (id-only with its version, a versioned
            // reference, the full resource), in random order: five per patient
            List<String> firstWave = new ArrayList<>();
            for (String id : ids) {
                firstWave.addAll(List.of(versioned(id, 1), versioned(id, 2), "{\"reference\":\"Patient/" + id + "/_history/1\"}",
                        "{\"reference\":\"Patient/" + id + "/_history/2\"}", firstVersionJson.get(id)));
            }
            Collections.shuffle(firstWave, random);
            List<String> changed = new ArrayList<>(ids);
            Collections.shuffle(changed, random);
            changed = changed.subList(0, patients * 3 / 10);
            List<java.net.http.HttpRequest> sent = java.util.Collections.synchronizedList(new ArrayList<>());
            int taken = 0;
            ExecutorService senders = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> answers = send(senders, client, firstWave, sent);
                // meanwhile the EHR changes 30% of the patients again, and notifies them, late copies of version 2 among them
                for (String id : changed) {
                    Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
                    latestFamily.put(id, update(patient, "Burst-" + ids.indexOf(id) + "-b"));
                }
                List<String> secondWave = new ArrayList<>(secondVersionJson.values());
                for (String id : changed) {
                    secondWave.addAll(List.of(versioned(id, 3), "{\"reference\":\"Patient/" + id + "/_history/3\"}"));
                }
                Collections.shuffle(secondWave, random);
                answers.addAll(send(senders, client, secondWave, sent));
                taken = firstWave.size() + secondWave.size();
                for (Future<Integer> answer : answers) {
                    assertThat(answer.get()).isEqualTo(202);
                }
                // and redeliveries of half as many requests already taken (the same event id and signature): replays, refused
                List<java.net.http.HttpRequest> redeliveries = new ArrayList<>();
                for (int i = 0; i < taken / 2; i++) {
                    redeliveries.add(sent.get(random.nextInt(sent.size())));
                }
                List<Future<Integer>> refused = new ArrayList<>();
                for (java.net.http.HttpRequest redelivery : redeliveries) {
                    refused.add(senders.submit(() -> client.send(redelivery).statusCode()));
                }
                for (Future<Integer> answer : refused) {
                    assertThat(answer.get()).isEqualTo(401);
                }
            } finally {
                senders.shutdown();
            }

            awaitInboxDone(engine);

            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox")).isEqualTo(taken);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("each patient once").isEqualTo(patients);
            Map<String, String> inPortal = new HashMap<>();
            engine.rows("SELECT source_id, legal_family FROM portal_patient")
                    .forEach(row -> inPortal.put((String) row.get("source_id"), (String) row.get("legal_family")));
            assertThat(inPortal).isEqualTo(latestFamily);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_claim")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'API POST /webhooks/ehr'")).isEqualTo(taken + taken / 2);
        }
    }

    @Test
    void rowsLeftPendingAreSyncedAfterARestartWithOneSearchForAll() throws Exception {
        long seed = 10211;
        List<String> ids = EHR.seedPatients(5, seed);
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        // one worker: the first resource it takes brings the other four into its batch, the rows having waited through
        // the restart for longer than portal-sync.webhook.batch-after (1s)
        settings.put(PortalSyncSettings.WEBHOOK_WORKERS, "1");
        try (TestEngine engine = TestEngine.start(settings)) {
            // the workers stop, as in a crash right after the answers went out
            engine.stopRoute("webhook-inbox-sweep");
            engine.stopRoute("webhook-inbox");
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            for (String id : ids) {
                for (String body : List.of(WebhookTestClient.idOnly("Patient", id), versioned(id, 1), "{\"reference\":\"Patient/" + id + "\"}",
                        "{\"reference\":\"Patient/" + id + "/_history/1\"}")) {
                    assertThat(client.post(body).statusCode()).isEqualTo(202);
                }
            }
            Thread.sleep(500);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE done_at IS NULL")).isEqualTo(4L * ids.size());
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            // the hand-overs queued in memory die with the engine; the rows are what the restart goes by
            engine.dropQueuedWorkOnClose();
        }
        try (TestEngine restarted = TestEngine.start(settings)) {
            awaitInboxDone(restarted);

            assertThat(restarted.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(ids.size());
            assertThat(restarted.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search'"))
                    .as("four notifications of each of five patients, one search for all").isEqualTo(1);
            assertThat(restarted.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read'")).isZero();
            assertThat(restarted.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE outcome = 'SYNCED'")).isEqualTo(4L * ids.size());
        }
    }

    /** While the inbox keeps up (nothing waited portal-sync.webhook.batch-after), each resource is read by id: no search. */
    @Test
    void whileTheInboxKeepsUpEachResourceIsReadById() throws Exception {
        long seed = 11130;
        List<String> ids = EHR.seedPatients(4, seed);
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        settings.put(PortalSyncSettings.WEBHOOK_WORKERS, "1");
        settings.put(PortalSyncSettings.WEBHOOK_BATCH_AFTER, "1h");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.stopRoute("webhook-inbox-sweep");
            engine.stopRoute("webhook-inbox");
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            for (String id : ids) {
                assertThat(client.post(WebhookTestClient.idOnly("Patient", id)).statusCode()).isEqualTo(202);
            }
            engine.startRoute("webhook-inbox");
            engine.startRoute("webhook-inbox-sweep");
            awaitInboxDone(engine);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(ids.size());
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search'")).as("four waiting, none for an hour").isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read'")).isEqualTo(ids.size());
        }
    }

    /**
     * A row left pending for long (its sync failed, or the queue was full) waits for the sweep; it does not turn the reads
     * of resources that come afterwards, and wait no time, into searches.
     */
    @Test
    void aRowLeftPendingForLongDoesNotTurnLaterReadsIntoSearches() throws Exception {
        long seed = 11131;
        List<String> ids = EHR.seedPatients(4, seed);
        String leftPending = ids.get(0);
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        settings.put(PortalSyncSettings.WEBHOOK_WORKERS, "1");
        // far longer than any of the later resources waits, even on a slow machine; far shorter than the left row's hour
        settings.put(PortalSyncSettings.WEBHOOK_BATCH_AFTER, "30s");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.stopRoute("webhook-inbox-sweep");
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            List<String> later = ids.subList(1, ids.size());
            for (String id : later) {
                assertThat(client.post(WebhookTestClient.idOnly("Patient", id)).statusCode()).isEqualTo(202);
                WebhookIT.await(() -> engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", id) == 1);
                if (id.equals(later.get(0))) {
                    // a row nobody hands over, received an hour ago: as a failed sync, or a full queue, leaves it for the sweep
                    execute(engine, "INSERT INTO webhook_inbox_item (inbox_id, source, resource_type, resource_id, received_at) "
                            + "SELECT inbox_id, source, resource_type, ?, received_at - INTERVAL '1' HOUR FROM webhook_inbox_item "
                            + "WHERE resource_id = ?", leftPending, id);
                }
            }
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search'")).as("the later three read by id").isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read'")).isEqualTo(ids.size() - 1);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE done_at IS NULL")).as("the row left pending").isEqualTo(1);

            engine.startRoute("webhook-inbox-sweep");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(ids.size());
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search'")).as("nothing else waited").isZero();
        }
    }

    private static void execute(TestEngine engine, String sql, Object... parameters) throws java.sql.SQLException {
        try (java.sql.Connection connection = engine.database().getConnection();
                java.sql.PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            statement.executeUpdate();
        }
    }

    private static String update(Patient patient, String family) {
        patient.getNameFirstRep().setFamily(family);
        EHR.adminClient().update().resource(patient).execute();
        return family;
    }

    /** An id-only notification that names the version it is about, as the README recommends. */
    private static String versioned(String id, int version) {
        return "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"meta\":{\"versionId\":\"" + version + "\"}}";
    }

    private static List<Future<Integer>> send(ExecutorService senders, WebhookTestClient client, List<String> bodies,
            List<java.net.http.HttpRequest> sent) {
        List<Future<Integer>> answers = new ArrayList<>();
        for (String body : bodies) {
            answers.add(senders.submit(() -> {
                java.net.http.HttpRequest request = client.signed(body, java.time.Instant.now(), java.util.UUID.randomUUID().toString(),
                        WebhookTestClient.SECRET);
                HttpResponse<String> response = client.send(request);
                sent.add(request);
                return response.statusCode();
            }));
        }
        return answers;
    }

    /**
     * A batch's search returns what the EHR still has: a patient deleted since, and one it never had, are
     * each read alone, so the deleted one is archived and the unknown one reported, not dropped.
     */
    @Test
    void whatABatchSearchLeavesOutIsReadAloneAndAGoneRecordArchived() throws Exception {
        long seed = 10212;
        List<String> ids = EHR.seedPatients(4, seed);
        FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        Map<String, String> settings = WebhookIT.webhookSettings(proxy.baseUrl() + "/fhir", seed, WebhookTestClient.SECRET);
        settings.put(PortalSyncSettings.WEBHOOK_WORKERS, "1");
        settings.put(PortalSyncSettings.WEBHOOK_BATCH_AFTER, "0s");
        try (proxy; TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE archived_at IS NULL")).isEqualTo(ids.size());
            long searchesOfThePoll = engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search'");
            engine.stopRoute("webhook-inbox-sweep");
            engine.stopRoute("webhook-inbox");
            String deleted = ids.get(0);
            EHR.adminClient().delete().resourceById("Patient", deleted).execute();
            String renamed = ids.get(1);
            String family = update(EHR.adminClient().read().resource(Patient.class).withId(renamed).execute(), "Batch" + seed);
            String unknown = "no-such-patient-" + seed;
            WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
            for (String id : List.of(deleted, renamed, unknown, ids.get(2), ids.get(3))) {
                assertThat(client.post(WebhookTestClient.idOnly("Patient", id)).statusCode()).isEqualTo(202);
            }
            engine.startRoute("webhook-inbox");
            engine.startRoute("webhook-inbox-sweep");
            awaitInboxDone(engine);

            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search'") - searchesOfThePoll)
                    .as("one search for the five").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read'"))
                    .as("the two it did not return, read alone").isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ? AND archived_at IS NOT NULL", deleted)).isEqualTo(1);
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE source_id = ?", renamed).get(0))
                    .containsEntry("legal_family", family);
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE record_ref = ?", "Patient/" + unknown)).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE outcome = 'SYNCED'")).isEqualTo(5);
            // the batch's answer is not kept for paging (HAPI FHIR then runs it at once) nor by any cache on the way
            assertThat(proxy.requests()).filteredOn(request -> request.pathAndQuery().startsWith("/fhir/Patient?_id=")).singleElement()
                    .satisfies(request -> assertThat(request.header("Cache-Control")).contains("no-store"));
            assertThat(proxy.requests()).filteredOn(request -> request.pathAndQuery().startsWith("/fhir/Patient?")
                    && !request.pathAndQuery().contains("_id=")).as("the poll's searches page: no no-store there").isNotEmpty()
                    .allSatisfy(request -> assertThat(request.header("Cache-Control")).isEqualTo("no-cache"));
        }
    }
}
