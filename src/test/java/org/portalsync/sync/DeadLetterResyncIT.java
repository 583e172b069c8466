package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;

/**
 * A dead-lettered record is not forgotten once the high-water mark has moved past it: its status
 * says pending, the re-sync route reads it again from the EHR until it lands (closing its dead
 * letter) or its attempts run out (then it waits for an operator, with one alert saying so).
 */
class DeadLetterResyncIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final int MAX_ATTEMPTS = 3;

    private static String seedWithOneRefusedPatient(long seed, int count) {
        List<String> ids = EHR.seedPatients(count, seed);
        Patient refused = EHR.adminClient().read().resource(Patient.class).withId(ids.get(2)).execute();
        refused.getName().clear();
        refused.addName().setFamily("Explode").addGiven("Eve");
        EHR.adminClient().update().resource(refused).execute();
        return ids.get(2);
    }

    private static TestEngine start(long seed) throws Exception {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.RESYNC_INTERVAL, "300");
        settings.put(PortalSyncSettings.RESYNC_MAX_ATTEMPTS, String.valueOf(MAX_ATTEMPTS));
        TestEngine engine = TestEngine.start(settings);
        execute(engine, "CREATE TRIGGER refuse_exploding BEFORE INSERT ON portal_patient FOR EACH ROW CALL \""
                + RefuseExplodingPatient.class.getName() + "\"");
        return engine;
    }

    private static void execute(TestEngine engine, String sql) throws Exception {
        try (Connection connection = engine.database().getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static void await(TestEngine engine, String sql, Object... parameters) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (engine.count(sql, parameters) == 0) {
            assertThat(System.nanoTime()).as("within 60 s: " + sql).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void aDeadLetteredRecordSyncsOnceItsCauseClearsAndItsDeadLetterIsClosed() throws Exception {
        long seed = 7401;
        String refused = seedWithOneRefusedPatient(seed, 6);
        try (TestEngine engine = start(seed)) {
            assertThat(engine.poll()).contains("1 dead-lettered");
            assertThat(engine.rows("SELECT pending_changes, last_error FROM patient_sync_status WHERE source_id = ?", refused).get(0))
                    .containsEntry("pending_changes", true)
                    .satisfies(row -> assertThat((String) row.get("last_error")).startsWith("dead-lettered: "));

            execute(engine, "DROP TRIGGER refuse_exploding");
            await(engine, "SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", refused);

            await(engine, "SELECT COUNT(*) FROM dead_letter WHERE record_ref = ? AND status = 'RESOLVED'", "Patient/" + refused);
            assertThat(engine.rows("SELECT status, resolved_at FROM dead_letter"))
                    .singleElement().satisfies(row -> assertThat(row.get("resolved_at")).isNotNull());
            assertThat(engine.rows("SELECT pending_changes, last_error FROM patient_sync_status WHERE source_id = ?", refused).get(0))
                    .containsEntry("pending_changes", false);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(6);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read' AND resource LIKE ?", "%/Patient/" + refused + "%"))
                    .as("read again from the EHR, not replayed from the stale payload").isPositive();
        }
    }

    @Test
    void aRecordThatKeepsFailingWaitsForAnOperatorAfterItsAttemptsWithOneDeadLetterAndOneMoreAlert() throws Exception {
        long seed = 7402;
        String refused = seedWithOneRefusedPatient(seed, 5);
        try (TestEngine engine = start(seed)) {
            engine.poll();

            await(engine, "SELECT COUNT(*) FROM dead_letter WHERE status = 'NEEDS_OPERATOR'");
            Thread.sleep(1_500);

            assertThat(engine.rows("SELECT record_ref, status, resync_attempts FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("record_ref", "Patient/" + refused)
                            .containsEntry("status", "NEEDS_OPERATOR").containsEntry("resync_attempts", MAX_ATTEMPTS));
            assertThat(engine.rows("SELECT kind FROM alert ORDER BY id").stream().map(row -> row.get("kind")).toList())
                    .containsExactly("MAPPING_FAILURE", "RESYNC_EXHAUSTED");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read'"))
                    .as("one read per attempt, none after giving up").isEqualTo(MAX_ATTEMPTS);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", refused)).isZero();
        }
    }

    @Test
    void theDeadLetterOfAPollThatStoppedEarlyIsResolvedByTheNextPollThatReadsToTheEnd() throws Exception {
        long seed = 7403;
        EHR.seedPatients(5, seed);
        try (org.portalsync.sandbox.FaultInjectingProxy proxy = new org.portalsync.sandbox.FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed))) {
            proxy.down();
            assertThat(engine.poll()).contains("poll stopped early");
            assertThat(engine.rows("SELECT record_ref, status FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("record_ref", null).containsEntry("status", "NEW"));

            proxy.up();
            engine.poll();

            assertThat(engine.rows("SELECT status FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("status", "RESOLVED"));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(5);
        }
    }
}
