package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.alert.SettableClock;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * A replay from the console goes through the record's refresh route, idempotently: while the EHR still fails, the
 * record's one dead letter stays open with its new cause (no second dead letter, no second alert); once the EHR
 * answers, the record lands once; a replay of a closed dead letter does nothing.
 */
class ConsoleReplayIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String READS = "SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read' AND resource LIKE ?";

    @Test
    void aReplayWhileTheEhrFailsKeepsOneDeadLetterThenLandsOnceAndASecondReplayDoesNothing() throws Exception {
        long seed = 10602;
        List<String> ids = EHR.seedPatients(3, seed);
        SettableClock clock = new SettableClock(Instant.now());
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(ConsoleTestUsers.enable(new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir",
                        "h2", seed))), clock)) {
            engine.poll();
            String failing = engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").get(0).get("source_id").toString();
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(failing).execute();
            patient.getNameFirstRep().setFamily("Oncemore");
            EHR.adminClient().update().resource(patient).execute();
            proxy.failEvery(500, "Patient/" + failing);
            engine.request("direct:fhir-patient-refresh", failing);
            long letter = ((Number) engine.rows("SELECT id FROM dead_letter").get(0).get("id")).longValue();
            ConsoleClient console = new ConsoleClient(engine.apiBaseUrl());
            console.signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);
            String csrf = console.csrf();

            HttpResponse<String> stillFailing = console.post("/console/dead-letters/replay", console.base(), "csrf", csrf, "one", String.valueOf(letter));

            assertThat(stillFailing.headers().firstValue("Location")).contains("/console/dead-letters?replayed=1&resolved=0&skipped=0");
            assertThat(engine.rows("SELECT status, operator_replays FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("status", "NEW").containsEntry("operator_replays", 1));
            assertThat(engine.count("SELECT COUNT(*) FROM alert")).isEqualTo(1);

            proxy.stopFailing();
            // a second click while the first replay may still run is not claimed again
            HttpResponse<String> doubleClick = console.post("/console/dead-letters/replay", console.base(), "csrf", csrf, "id", String.valueOf(letter));
            clock.advance(Duration.ofSeconds(ClaimConsoleReplay.DOUBLE_CLICK_GUARD_SECONDS + 1));
            HttpResponse<String> replayed = console.post("/console/dead-letters/replay", console.base(), "csrf", csrf, "id", String.valueOf(letter));
            Object version = engine.rows("SELECT row_version FROM portal_patient WHERE source_id = ?", failing).get(0).get("row_version");
            long reads = engine.count(READS, "%/Patient/" + failing);
            HttpResponse<String> afterClose = console.post("/console/dead-letters/replay", console.base(), "csrf", csrf, "id", String.valueOf(letter));

            assertThat(doubleClick.headers().firstValue("Location")).hasValueSatisfying(location -> assertThat(location).endsWith("replayed=0&resolved=0&skipped=1"));
            assertThat(replayed.headers().firstValue("Location")).hasValueSatisfying(location -> assertThat(location).endsWith("replayed=1&resolved=1&skipped=0"));
            assertThat(afterClose.headers().firstValue("Location")).hasValueSatisfying(location -> assertThat(location).endsWith("replayed=0&resolved=0&skipped=1"));
            assertThat(engine.rows("SELECT status, operator_replays FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("status", "RESOLVED").containsEntry("operator_replays", 2));
            assertThat(engine.rows("SELECT legal_family, row_version FROM portal_patient WHERE source_id = ?", failing).get(0))
                    .containsEntry("legal_family", "Oncemore").containsEntry("row_version", version);
            assertThat(engine.count(READS, "%/Patient/" + failing)).as("the closed dead letter's record was not read again").isEqualTo(reads);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(ids.size());
        }
    }
}
