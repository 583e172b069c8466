package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.FaultInjectingProxy.RecordedRequest;
import org.portalsync.sandbox.FaultInjectingProxy.RecordedResponse;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxEhr.SeededPatient;
import org.portalsync.sandbox.SandboxPatientGenerator.Defect;

/**
 * The initial load by FHIR Bulk Data $export against the sandbox's real HAPI bulk export (batch2 job, NDJSON files
 * in Binary resources), through a fault-injecting proxy. Expected numbers come from the seeded patients.
 */
class FhirBulkExportIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATUS = "$export-poll-status";
    private static final String DOWNLOAD = "/fhir/Binary/";

    @Test
    void theInitialLoadComesByExportAndTheNextPollSearchesFromItsTransactionTime() throws Exception {
        long seed = 9912;
        int count = 2 * SandboxEhr.bulkExportFileCapacity() + 37;
        List<SeededPatient> seeded = EHR.seedPatientsOneByOne(count, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(settings(proxy, seed, "3s"))) {
            // one known bad line in the first file, besides the generator's defects
            proxy.rewriteNextBody(1, body -> "{\"resourceType\":\"Patient\", not json\n" + body, DOWNLOAD);
            // the export still running at the first two status requests: Retry-After 2 s (waited out), then 60 s (cut to 3 s)
            proxy.stillRunningNext(1, 2, STATUS);
            proxy.stillRunningNext(1, 60, STATUS);

            String first = engine.poll();

            long rejected = seeded.stream().filter(p -> p.defect() == Defect.NO_NAME).count();
            int files = (count + SandboxEhr.bulkExportFileCapacity() - 1) / SandboxEhr.bulkExportFileCapacity();
            assertThat(first).contains(String.format("%d new, 0 updated, 0 archived, 0 unchanged, %d rejected, 0 dead-lettered",
                    count - rejected, rejected + 1));
            assertThat(inPortal(engine)).isEqualTo(expectedInPortal(seeded));
            // written a chunk of lines per transaction (all of a transaction's rows share its instant), not one by one
            assertThat(engine.count("SELECT COUNT(DISTINCT created_at) FROM portal_patient")).isLessThan(20);

            RecordedRequest kickOff = only(proxy, "/fhir/$export?");
            assertThat(kickOff.header("Prefer")).isEqualTo("respond-async");
            assertThat(kickOff.pathAndQuery()).contains("_type=Patient").contains("_outputFormat=application%2Ffhir%2Bndjson")
                    .contains("_typeFilter=Patient%3F_tag%3D");
            List<RecordedResponse> statusAnswers = proxy.responses().stream().filter(r -> r.pathAndQuery().contains(STATUS)).toList();
            // the last is the DELETE's: HAPI answers 404 for a job that has completed (it keeps the files until they expire)
            assertThat(statusAnswers.get(statusAnswers.size() - 1).status()).isEqualTo(404);
            List<RecordedResponse> polls = statusAnswers.subList(0, statusAnswers.size() - 1);
            assertThat(polls).as("202 while the job runs, then 200 with the manifest").isNotEmpty();
            assertThat(polls.subList(0, polls.size() - 1)).allSatisfy(r -> assertThat(r.status()).isEqualTo(202));
            assertThat(polls.get(polls.size() - 1).status()).isEqualTo(200);
            // each wait is the Retry-After of the answer before it, up to export-max-poll-wait (3 s here): 2 s, then 3 s for the
            // proxy's 60, then 3 s for HAPI's own 120 while the job runs. Without Retry-After they would be 1, 2, 4 s.
            List<Instant> asked = auditTimes(engine, "Patient.export-status");
            assertThat(asked).hasSizeGreaterThanOrEqualTo(3);
            assertThat(Duration.between(asked.get(0), asked.get(1))).isBetween(Duration.ofMillis(1900), Duration.ofMillis(2900));
            for (int i = 2; i < asked.size(); i++) {
                assertThat(Duration.between(asked.get(i - 1), asked.get(i))).isBetween(Duration.ofMillis(2900), Duration.ofSeconds(15));
            }
            assertThat(proxy.requests().stream().filter(r -> r.pathAndQuery().startsWith(DOWNLOAD)))
                    .as("each NDJSON file once, asked for as NDJSON").hasSize(files)
                    .allSatisfy(r -> assertThat(r.header("Accept")).isEqualTo("application/fhir+ndjson"));
            List<RecordedRequest> requests = proxy.requests();
            assertThat(requests.get(requests.size() - 1)).as("the job deleted last, once its files are read").satisfies(delete -> {
                assertThat(delete.method()).isEqualTo("DELETE");
                assertThat(delete.pathAndQuery()).isEqualTo(polls.get(0).pathAndQuery());
            });

            Instant transactionTime = OffsetDateTime.parse(JSON.readTree(polls.get(polls.size() - 1).body())
                    .path("transactionTime").asText()).toInstant();
            assertThat(mark(engine)).isEqualTo(transactionTime);
            assertThat(engine.count("SELECT COUNT(*) FROM sync_initial_load WHERE feed = 'Patient' AND completed_at IS NOT NULL"))
                    .isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE record_ref = 'Patient export file 1 line 1'"))
                    .isEqualTo(1);

            proxy.reset();
            edit(seeded, 3);
            String second = engine.poll();

            assertThat(second).contains("0 new, 3 updated, 0 archived, 0 unchanged, 0 rejected, 0 dead-lettered");
            assertThat(proxy.requestLog()).noneMatch(r -> r.contains("$export"));
            assertThat(proxy.requestLog()).anyMatch(r -> r.contains("/fhir/Patient?_lastUpdated=ge" + transactionTime));
        }
    }

    @Test
    void aFailedExportJobIsDeadLetteredWithAnAlertAndTheNextPollLoadsEverything() throws Exception {
        long seed = 9913;
        List<String> ids = EHR.seedPatients(60, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(settings(proxy, seed))) {
            proxy.failNext(1, 500, STATUS, "exception");

            String failed = engine.poll();

            assertThat(failed).contains("poll stopped early: EHR_EXPORT_FAILED");
            assertThat(proxy.requests().stream().filter(r -> r.pathAndQuery().contains(STATUS) && r.method().equals("GET")))
                    .as("a failed job is not asked again").hasSize(1);
            assertThat(proxy.requests().stream().filter(r -> r.pathAndQuery().contains(STATUS) && r.method().equals("DELETE")))
                    .as("but cancelled").hasSize(1);
            assertThat(engine.count("SELECT COUNT(*) FROM bulk_export_job")).isZero();
            assertThat(engine.rows("SELECT route_id, status FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row.get("route_id")).isEqualTo("fhir-bulk-export"));
            assertThat(engine.rows("SELECT kind, message FROM alert")).singleElement().satisfies(row -> {
                assertThat(row.get("kind")).isEqualTo("EHR_EXPORT_FAILED");
                assertThat((String) row.get("message")).contains("HTTP 500").contains("exception: injected fault");
            });
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark WHERE feed = 'Patient'")).isZero();

            // a passing fault (issue code transient, Bulk Data IG) is retried, not a failed job
            proxy.reset();
            proxy.failNext(1, 500, STATUS);
            String second = engine.poll();

            assertThat(proxy.requestLog()).filteredOn(r -> r.startsWith("GET") && r.contains("/fhir/$export?")).hasSize(1);
            assertThat(second).contains(String.format("%d new", ids.size() - rejected(ids)));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(ids.size() - rejected(ids));
            assertThat(engine.rows("SELECT status FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row.get("status")).isEqualTo("RESOLVED"));
        }
    }

    @Test
    void filesTheManifestSaysNeedNoTokenAreFetchedWithoutItFromWhereverTheyAre() throws Exception {
        long seed = 9914;
        List<SeededPatient> seeded = EHR.seedPatientsOneByOne(SandboxEhr.bulkExportFileCapacity() + 11, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                SignedLinkFileStore store = new SignedLinkFileStore();
                TestEngine engine = TestEngine.start(settings(proxy, seed))) {
            // the EHR hands out signed links to a file store on another origin, as many EHRs do (Bulk Data IG:
            // requiresAccessToken false): the files move there and the manifest says so
            proxy.rewriteNextBody(100, manifestOnly(store::takeFilesOf), "GET", STATUS);

            String first = engine.poll();

            long rejected = seeded.stream().filter(p -> p.defect() == Defect.NO_NAME).count();
            assertThat(first).contains(String.format("%d new, 0 updated, 0 archived, 0 unchanged, %d rejected, 0 dead-lettered",
                    seeded.size() - rejected, rejected));
            assertThat(inPortal(engine)).isEqualTo(expectedInPortal(seeded));
            assertThat(store.served()).as("every file came from the store").isEqualTo(2);
            assertThat(store.authorizationHeaders()).as("the access token never went to the file store").isEmpty();
            assertThat(proxy.requestLog()).noneMatch(r -> r.contains(DOWNLOAD));
        }
    }

    @Test
    void aTokenFreeFileLinkOverPlainHttpToAnotherHostIsRefusedAndNothingIsSent() throws Exception {
        long seed = 9915;
        EHR.seedPatients(5, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(settings(proxy, seed))) {
            proxy.rewriteNextBody(100, manifestOnly(manifest -> manifest.replace("\"requiresAccessToken\":true", "\"requiresAccessToken\":false")
                    .replace("\"requiresAccessToken\" : true", "\"requiresAccessToken\" : false")
                    .replaceAll("http://127\\.0\\.0\\.1:\\d+/fhir/Binary/", "http://files.example.invalid/signed/")), "GET", STATUS);

            String first = engine.poll();

            assertThat(first).contains("poll stopped early");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.rows("SELECT result FROM audit_event WHERE action = 'Patient.export-download'"))
                    .isNotEmpty().allSatisfy(row -> assertThat(row.get("result")).isEqualTo("refused: not https"));
        }
    }

    @Test
    void anExportJobRunningWhenTheEngineStopsIsAskedAgainAfterTheRestartNotStartedAnew() throws Exception {
        long seed = 9916;
        List<String> ids = EHR.seedPatients(40, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = settings(proxy, seed);
            stopWhileTheEhrStillExports(proxy, settings);

            try (TestEngine restarted = TestEngine.start(settings)) {
                String poll = restarted.poll();

                assertThat(poll).contains(String.format("%d new", ids.size() - rejected(ids)));
                assertThat(restarted.count("SELECT COUNT(*) FROM bulk_export_job")).as("forgotten once its files are read").isZero();
            }
            assertThat(proxy.requestLog()).filteredOn(r -> r.startsWith("GET") && r.contains("/fhir/$export?")).as("one kick-off")
                    .hasSize(1);
        }
    }

    @Test
    void aRememberedJobTheEhrNoLongerHasIsReplacedByANewExport() throws Exception {
        long seed = 9917;
        List<String> ids = EHR.seedPatients(30, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = settings(proxy, seed);
            stopWhileTheEhrStillExports(proxy, settings);
            proxy.failNext(1, 404, STATUS);

            try (TestEngine restarted = TestEngine.start(settings)) {
                assertThat(restarted.poll()).contains(String.format("%d new", ids.size() - rejected(ids)));
            }
            assertThat(proxy.requestLog()).filteredOn(r -> r.startsWith("GET") && r.contains("/fhir/$export?")).hasSize(2);
        }
    }

    /** Edits the status answer that carries the manifest; the 202s before it pass as they are. */
    private static java.util.function.UnaryOperator<String> manifestOnly(java.util.function.UnaryOperator<String> edit) {
        return body -> body != null && body.contains("transactionTime") ? edit.apply(body) : body;
    }

    /** An engine kicks off an export, cannot reach its status URL (the EHR answers 503) and stops with the job remembered. */
    private static void stopWhileTheEhrStillExports(FaultInjectingProxy proxy, Map<String, String> settings) throws Exception {
        proxy.failEvery(503, STATUS);
        try (TestEngine engine = TestEngine.start(settings)) {
            assertThat(engine.poll()).contains("poll stopped early");
            assertThat(engine.count("SELECT COUNT(*) FROM bulk_export_job")).isEqualTo(1);
        }
        proxy.stopFailing();
    }

    private static long rejected(List<String> ids) {
        return ids.stream().filter(id -> EHR.adminClient().read().resource(Patient.class).withId(id).execute().getName().isEmpty()).count();
    }

    private static Map<String, String> settings(FaultInjectingProxy proxy, long seed) {
        return settings(proxy, seed, "1s");
    }

    /** @param maxPollWait the longest wait between two status requests, whatever Retry-After says */
    private static Map<String, String> settings(FaultInjectingProxy proxy, long seed, String maxPollWait) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.FHIR_INITIAL_LOAD, "export");
        settings.put(PortalSyncSettings.FHIR_EXPORT_MAX_POLL_WAIT, maxPollWait);
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "50");
        // no re-read window: the poll after the export reads exactly what changed after its transactionTime
        settings.put(PortalSyncSettings.FHIR_POLL_OVERLAP, "0s");
        return settings;
    }

    private static RecordedRequest only(FaultInjectingProxy proxy, String pathContains) {
        List<RecordedRequest> matching = proxy.requests().stream().filter(r -> r.pathAndQuery().contains(pathContains)).toList();
        assertThat(matching).as(pathContains).hasSize(1);
        return matching.get(0);
    }

    private static void edit(List<SeededPatient> seeded, int n) {
        List<String> edited = new ArrayList<>();
        for (SeededPatient seededPatient : seeded) {
            if (edited.size() == n) {
                break;
            }
            if (seededPatient.defect() != Defect.NONE) {
                continue;
            }
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(seededPatient.id()).execute();
            patient.getNameFirstRep().setFamily("Edited-" + seededPatient.id());
            EHR.adminClient().update().resource(patient).execute();
            edited.add(seededPatient.id());
        }
    }

    private static Set<String> expectedInPortal(List<SeededPatient> seeded) {
        Set<String> expected = new HashSet<>();
        seeded.stream().filter(p -> p.defect() != Defect.NO_NAME).forEach(p -> expected.add(p.id()));
        return expected;
    }

    private static Set<String> inPortal(TestEngine engine) throws Exception {
        Set<String> ids = new HashSet<>();
        engine.rows("SELECT source_id FROM portal_patient").forEach(row -> ids.add((String) row.get("source_id")));
        return ids;
    }

    private static List<Instant> auditTimes(TestEngine engine, String action) throws Exception {
        return engine.rows("SELECT occurred_at FROM audit_event WHERE action = ? ORDER BY occurred_at", action).stream()
                .map(row -> ((OffsetDateTime) row.get("occurred_at")).toInstant()).toList();
    }

    private static Instant mark(TestEngine engine) throws Exception {
        return ((OffsetDateTime) engine.rows("SELECT high_water_mark FROM sync_high_water_mark WHERE feed = 'Patient'").get(0)
                .get("high_water_mark")).toInstant();
    }
}
