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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxEhr.SeededPatient;
import org.portalsync.sandbox.SandboxPatientGenerator.Defect;

/**
 * Where the high-water mark is handed over between polls, with patients whose lastUpdated all
 * differ (seeded one by one), so that a mark one record off shows. Every expected number comes
 * from the seed: ids, stamps and defects as the sandbox wrote them.
 */
class HighWaterMarkHandOverIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PAGE = 50;
    private static final Duration OVERLAP = Duration.ofMillis(100);
    /** HAPI pages a search with _getpagesoffset; the third page of 50 starts at 100. */
    private static final String THIRD_PAGE = "_getpagesoffset=" + 2 * PAGE + "&";

    @Test
    void aPollThatFailsOnPage3Of10LeavesTheMarkAtPage2AndTheNextPollReadsExactlyTheRest() throws Exception {
        long seed = 7653;
        List<SeededPatient> seeded = EHR.seedPatientsOneByOne(10 * PAGE, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(settings(proxy, seed))) {
            proxy.failEvery(503, THIRD_PAGE);

            String failed = engine.poll();

            SeededPatient lastCommitted = seeded.get(2 * PAGE - 1);
            assertThat(failed).contains("(2 pages").contains("poll stopped early: EHR_DOWN");
            assertThat(proxy.requestLog()).filteredOn(request -> request.contains(THIRD_PAGE)).as("the fetch and its three retries")
                    .hasSize(4);
            assertThat(mark(engine)).as("the last record of page 2").isEqualTo(lastCommitted.lastUpdated());
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(delivered(seeded.subList(0, 2 * PAGE)));

            proxy.reset();
            String second = engine.poll();

            Instant from = lastCommitted.lastUpdated().minus(OVERLAP);
            List<SeededPatient> rest = seeded.subList(2 * PAGE, seeded.size());
            List<SeededPatient> overlap = seeded.subList(0, 2 * PAGE).stream().filter(p -> !p.lastUpdated().isBefore(from)).toList();
            List<String> expectedRead = new ArrayList<>();
            overlap.forEach(p -> expectedRead.add(p.id()));
            rest.forEach(p -> expectedRead.add(p.id()));
            assertThat(patientsReturnedBySearch(proxy)).as("pages 3 to 10 and the overlap, each once, oldest first")
                    .containsExactlyElementsOf(expectedRead);
            assertThat(second).contains(String.format("%d new, 0 updated, 0 archived, %d unchanged, %d rejected, 0 dead-lettered",
                    delivered(rest), delivered(overlap), overlap.size() + rest.size() - delivered(overlap) - delivered(rest)));
            Set<String> expectedInPortal = new HashSet<>();
            seeded.stream().filter(p -> p.defect() != Defect.NO_NAME).forEach(p -> expectedInPortal.add(p.id()));
            Set<String> inPortal = new HashSet<>();
            engine.rows("SELECT source_id FROM portal_patient").forEach(row -> inPortal.add((String) row.get("source_id")));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("each patient once").isEqualTo(expectedInPortal.size());
            assertThat(inPortal).isEqualTo(expectedInPortal);
            assertThat(mark(engine)).isEqualTo(seeded.get(seeded.size() - 1).lastUpdated());
        }
    }

    private static Map<String, String> settings(FaultInjectingProxy proxy, long seed) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, String.valueOf(PAGE));
        // short, so that the re-read window holds a few patients, not pages 1 and 2 whole
        settings.put(PortalSyncSettings.FHIR_POLL_OVERLAP, OVERLAP.toMillis() + "");
        return settings;
    }

    /** Patients the engine will deliver: all but the nameless, which are rejected. */
    private static long delivered(List<SeededPatient> patients) {
        return patients.stream().filter(p -> p.defect() != Defect.NO_NAME).count();
    }

    private static Instant mark(TestEngine engine) throws Exception {
        return ((OffsetDateTime) engine.rows("SELECT high_water_mark FROM sync_high_water_mark WHERE feed = 'Patient'").get(0)
                .get("high_water_mark")).toInstant();
    }

    /** The Patient ids in the search pages the EHR sent through the proxy, in order. */
    private static List<String> patientsReturnedBySearch(FaultInjectingProxy proxy) throws Exception {
        List<String> ids = new ArrayList<>();
        for (FaultInjectingProxy.RecordedResponse response : proxy.responses()) {
            boolean search = response.pathAndQuery().startsWith("/fhir/Patient?") || response.pathAndQuery().startsWith("/fhir?_getpages");
            if (!search) {
                continue;
            }
            for (JsonNode entry : JSON.readTree(response.body()).path("entry")) {
                ids.add(entry.path("resource").path("id").asText());
            }
        }
        return ids;
    }
}
