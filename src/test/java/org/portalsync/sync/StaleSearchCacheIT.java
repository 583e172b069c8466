package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxEhr.SeededPatient;
import org.portalsync.sandbox.SandboxPatientGenerator.Defect;

/**
 * The field guide's stale cache: an EHR that answers a repeated search from its cached result set
 * (HAPI does, for 60 s by default, and so does the sandbox) hides what changed since. The engine
 * asks every time with {@code Cache-Control: no-cache}.
 */
class StaleSearchCacheIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final Duration OVERLAP = Duration.ofSeconds(1);

    @Test
    void anEditMadeJustAfterASearchIsSeenByTheNextPoll() throws Exception {
        long seed = 7652;
        List<SeededPatient> older = EHR.seedPatientsOneByOne(3, seed);
        // the newer ones come later than the poll overlap, so a poll after the first re-reads only them
        awaitClockPast(older.get(older.size() - 1).lastUpdated().plus(OVERLAP).plusMillis(200));
        List<SeededPatient> newer = EHR.seedPatientsOneByOne(3, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(withOverlap(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed)))) {
            engine.poll();
            proxy.reset();
            engine.poll(); // the search that the EHR now holds in its cache
            String search = proxy.requestLog().stream().filter(request -> request.startsWith("GET /fhir/Patient?")).findFirst()
                    .orElseThrow().substring("GET ".length());
            SeededPatient edited = older.stream().filter(p -> p.defect() != Defect.NO_NAME)
                    .findFirst().orElseThrow();
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(edited.id()).execute();
            patient.getNameFirstRep().setFamily("Edited-after-search");
            EHR.adminClient().update().resource(patient).execute();

            // The cache is real: the same search without the header misses the edit.
            Bundle cached = EHR.adminClient().search().byUrl(EHR.fhirBaseUrl().replace("/fhir", "") + search)
                    .returnBundle(Bundle.class).execute();
            assertThat(cached.getEntry()).extracting(entry -> entry.getResource().getIdElement().getIdPart())
                    .as("a search without no-cache gets the stale result set").doesNotContain(edited.id())
                    .containsExactlyInAnyOrderElementsOf(newer.stream().map(SeededPatient::id).toList());
            proxy.reset();

            String summary = engine.poll();

            assertThat(proxy.requestLog()).as("the poll sent the very search that is cached").contains("GET " + search);
            assertThat(summary).contains(" 1 updated");
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE source_id = ?", edited.id()).get(0))
                    .containsEntry("legal_family", "Edited-after-search");
        }
    }

    private static Map<String, String> withOverlap(Map<String, String> settings) {
        Map<String, String> changed = new HashMap<>(settings);
        changed.put(PortalSyncSettings.FHIR_POLL_OVERLAP, OVERLAP.toMillis() + "");
        return changed;
    }

    private static void awaitClockPast(Instant instant) throws InterruptedException {
        while (!Instant.now().isAfter(instant)) {
            Thread.sleep(20);
        }
    }
}
