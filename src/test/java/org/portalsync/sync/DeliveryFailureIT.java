package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.SandboxEhr;

/**
 * A record the portal database keeps refusing is retried, then lands in the dead-letter table with
 * the resource as the EHR sent it and an alert; the rest of the page is delivered, nothing is lost.
 */
class DeliveryFailureIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void aRecordThatKeepsFailingIsDeadLetteredWithItsPayloadAndThePageGoesOn() throws Exception {
        long seed = 6161;
        List<String> ids = EHR.seedPatients(12, seed);
        Patient exploding = EHR.adminClient().read().resource(Patient.class).withId(ids.get(3)).execute();
        exploding.getName().clear();
        exploding.addName().setFamily("Explode").addGiven("Eve");
        EHR.adminClient().update().resource(exploding).execute();

        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed))) {
            try (Connection connection = engine.database().getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TRIGGER refuse_exploding BEFORE INSERT ON portal_patient FOR EACH ROW CALL \""
                        + RefuseExplodingPatient.class.getName() + "\"");
            }

            String summary = engine.poll();

            long rejected = engine.count("SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE");
            assertThat(summary).contains("1 dead-lettered");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(12 - 1 - rejected);
            Map<String, Object> letter = engine.rows("SELECT route_id, record_ref, payload, cause_type, status FROM dead_letter").get(0);
            assertThat(letter).containsEntry("route_id", "patient-sync-one").containsEntry("record_ref", "Patient/" + ids.get(3))
                    .containsEntry("status", "NEW");
            assertThat((String) letter.get("payload")).contains("\"resourceType\":\"Patient\"").contains("Explode");
            assertThat(engine.rows("SELECT kind, severity FROM alert").get(0))
                    .containsEntry("kind", "MAPPING_FAILURE").containsEntry("severity", "WARNING");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", ids.get(3)))
                    .as("nothing half-written").isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).as("an initial load queues no welcome").isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark WHERE feed = 'Patient'"))
                    .as("the page is done: its record is stored in the dead-letter table").isEqualTo(1);
        }
    }
}
