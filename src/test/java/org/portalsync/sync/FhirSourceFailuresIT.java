package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.source.fhir.FhirSourceClient;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;

/**
 * How a poll behaves when the EHR misbehaves: faults come from a proxy in front of the real
 * sandbox EHR, never from stubs.
 */
class FhirSourceFailuresIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String SEARCH = "/fhir/Patient";

    private FaultInjectingProxy proxy;
    private TestEngine engine;

    @BeforeEach
    void startProxy() {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
        proxy.close();
    }

    private int seedAndStart(long seed, int patients, Map<String, String> extra) throws Exception {
        List<String> ids = EHR.seedPatients(patients, seed);
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "10");
        settings.putAll(extra);
        engine = TestEngine.start(settings);
        return ids.size();
    }

    private long delivered() throws Exception {
        return engine.count("SELECT COUNT(*) FROM portal_patient") + engine.count(
                "SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE");
    }

    @Test
    void serverErrorsAreRetriedAndThePollCompletes() throws Exception {
        int patients = seedAndStart(9301, 35, Map.of());
        proxy.failNext(2, 500, SEARCH);

        String summary = engine.poll();

        assertThat(delivered()).isEqualTo(patients);
        assertThat(summary).doesNotContain("stopped early").contains("0 dead-lettered");
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search' AND result = 'failure: HTTP 500'")).isEqualTo(2);
        assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
    }

    @Test
    void ehrDownEndsInADeadLetterAndAnAlertAndTheNextPollCatchesUp() throws Exception {
        int patients = seedAndStart(9302, 25, Map.of());
        proxy.down();

        String failed = engine.poll();

        assertThat(failed).contains("poll stopped early: EHR_DOWN");
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
        assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark")).as("the mark did not move").isZero();
        Map<String, Object> letter = engine.rows("SELECT route_id, payload, cause_type FROM dead_letter").get(0);
        assertThat((String) letter.get("payload")).startsWith(proxy.baseUrl() + "/fhir/Patient?");
        assertThat((String) letter.get("cause_type")).endsWith("EhrUnavailableException");
        assertThat(engine.rows("SELECT kind, message FROM alert").get(0)).containsEntry("kind", "EHR_DOWN")
                .hasEntrySatisfying("message", message -> assertThat((String) message).endsWith("(after 4 attempts)"));
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE result LIKE 'failure:%'"))
                .as("first try and three retries, each failing at the token endpoint behind the same proxy").isEqualTo(4);

        proxy.up();
        engine.poll();

        assertThat(delivered()).isEqualTo(patients);
    }

    @Test
    void aPollThatFailsMidwayKeepsWhatItCommittedAndTheNextPollResumesFromThere() throws Exception {
        int patients = seedAndStart(9308, 35, Map.of());
        proxy.delayNext(1, Duration.ZERO, "/fhir"); // the first page goes through
        proxy.failNext(4, 503, "/fhir"); // the second page fails, and so do its three retries

        String failed = engine.poll();

        assertThat(failed).contains("(1 pages").contains("poll stopped early: EHR_DOWN");
        assertThat(delivered()).as("the first page is committed").isEqualTo(10);
        assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark WHERE feed = 'Patient'")).isEqualTo(1);

        engine.poll();

        assertThat(delivered()).isEqualTo(patients);
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(
                engine.count("SELECT COUNT(DISTINCT source_id) FROM portal_patient"));
        assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).as("both polls were the initial load").isZero();
    }

    private long searchRequests() {
        return proxy.requests().stream().filter(request -> request.pathAndQuery().startsWith(SEARCH + "?")).count();
    }

    @Test
    void aSearchTheEhrRejectsWith400IsSentOnceAndDeadLettered() throws Exception {
        seedAndStart(9341, 15, Map.of());
        proxy.failNext(1, 400, SEARCH);

        String summary = engine.poll();

        assertThat(searchRequests()).as("no retry of a request the EHR refuses: it would be refused again").isEqualTo(1);
        assertThat(summary).contains("poll stopped early: EHR_REJECTED_REQUEST");
        Map<String, Object> letter = engine.rows("SELECT cause_type, cause_message FROM dead_letter").get(0);
        assertThat((String) letter.get("cause_type")).endsWith("EhrRequestRejectedException");
        assertThat((String) letter.get("cause_message")).contains("HTTP 400");
        assertThat(engine.rows("SELECT kind, message FROM alert").get(0)).containsEntry("kind", "EHR_REJECTED_REQUEST")
                .hasEntrySatisfying("message", message -> assertThat((String) message).endsWith("(after 1 attempt)"));
        assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark")).as("the mark did not move").isZero();
    }

    @Test
    void a408IsATimeoutAndRetried() throws Exception {
        int patients = seedAndStart(9342, 15, Map.of());
        proxy.failNext(1, 408, SEARCH);

        String summary = engine.poll();

        assertThat(searchRequests()).as("the first page twice (the second is a _getpages link)").isEqualTo(2);
        assertThat(summary).doesNotContain("stopped early").contains("0 dead-lettered");
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE result = 'failure: HTTP 408'")).isEqualTo(1);
        assertThat(delivered()).isEqualTo(patients);
    }

    @Test
    void aTokenThatExpiresMidSyncIsRenewedOnceAndTheSyncCompletes() throws Exception {
        int patients = seedAndStart(9303, 40, Map.of());
        engine.poll();
        int tokensBefore = EHR.tokensIssued();
        EHR.seedPatients(20, 9303);
        proxy.rewriteNextBody(1, body -> {
            EHR.expireAllTokens();
            return body;
        }, SEARCH);

        engine.poll();

        assertThat(delivered()).isEqualTo(patients + 20);
        assertThat(EHR.tokensIssued()).isEqualTo(tokensBefore + 1);
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE result = 'failure: HTTP 401'")).isEqualTo(1);
        assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
    }

    @Test
    void aMalformedResourceIsRejectedAloneAndTheRestOfThePageIsDelivered() throws Exception {
        int patients = seedAndStart(9304, 15, Map.of());
        proxy.rewriteNextBody(1, body -> body.replaceFirst("\"birthDate\":\"[0-9-]+\"", "\"birthDate\":\"31/02/1970\""), SEARCH);

        engine.poll();

        List<Map<String, Object>> issues = engine.rows(
                "SELECT record_ref, field, problem FROM data_quality_issue WHERE field LIKE '%birthDate%'");
        assertThat(issues).hasSize(1);
        assertThat((String) issues.get(0).get("problem")).contains("does not fit").doesNotContain("31/02/1970");
        String malformed = (String) issues.get(0).get("record_ref");
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", malformed.substring("Patient/".length()))).isZero();
        assertThat(delivered()).isEqualTo(patients);
        assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).as("bad data is not retried").isZero();
    }

    @Test
    void aSlowResponseTimesOutAndIsRetried() throws Exception {
        int patients = seedAndStart(9305, 15, Map.of(PortalSyncSettings.FHIR_READ_TIMEOUT, "1s"));
        proxy.delayNext(1, Duration.ofSeconds(4), SEARCH);

        engine.poll();

        assertThat(delivered()).isEqualTo(patients);
        // the search only: under load the large CapabilityStatement may also miss a 1 s timeout, and is read again
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search' AND result = 'failure: timeout'"))
                .isEqualTo(1);
        assertThat(Thread.getAllStackTraces().entrySet()).as("no thread still waits on an EHR answer")
                .noneMatch(thread -> java.util.Arrays.stream(thread.getValue())
                        .anyMatch(frame -> frame.getClassName().equals(FhirSourceClient.class.getName())));
    }

    @Test
    void a429IsWaitedOutForItsRetryAfter() throws Exception {
        int patients = seedAndStart(9306, 15, Map.of());
        proxy.rateLimitNext(1, 2, SEARCH);

        engine.poll();

        assertThat(delivered()).isEqualTo(patients);
        List<Map<String, Object>> searches = engine.rows(
                "SELECT occurred_at, result FROM audit_event WHERE action = 'Patient.search' ORDER BY id");
        assertThat(searches.get(0).get("result")).isEqualTo("failure: HTTP 429");
        assertThat(searches.get(1).get("result")).isEqualTo("success");
        Duration waited = Duration.between(((OffsetDateTime) searches.get(0).get("occurred_at")).toInstant(),
                ((OffsetDateTime) searches.get(1).get("occurred_at")).toInstant());
        assertThat(waited).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
    }

    @Test
    void everyRequestAsksForFreshDataWithABearerTokenAndOnlyTheMappedElements() throws Exception {
        seedAndStart(9307, 12, Map.of());

        engine.poll();

        List<FaultInjectingProxy.RecordedRequest> searches = proxy.requests().stream()
                .filter(request -> request.pathAndQuery().startsWith("/fhir")).toList();
        assertThat(searches).hasSizeGreaterThanOrEqualTo(2);
        assertThat(searches).allSatisfy(request -> {
            assertThat(request.header("Cache-Control")).isEqualTo("no-cache");
            assertThat(request.header("Authorization")).startsWith("Bearer ");
        });
        assertThat(searches.stream().filter(request -> request.pathAndQuery().startsWith("/fhir/Patient?")).findFirst().orElseThrow()
                .pathAndQuery()).contains("_elements=identifier,active,name,telecom,gender,birthDate,address,contact,communication,deceased,link")
                .contains("_sort=_lastUpdated").contains("_count=10");
        assertThat(proxy.requests()).anyMatch(request -> request.pathAndQuery().contains("_getpages"));
    }
}
