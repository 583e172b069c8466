package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.SandboxEhr;

/** One patient synced on request: updated when it changed, archived when the EHR answers 410 or 404. */
class FhirPatientRefreshIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void refreshUpdatesAChangedPatientAndArchivesADeletedOne() throws Exception {
        long seed = 5151;
        List<String> ids = EHR.seedPatients(8, seed);
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed))) {
            engine.poll();
            List<String> synced = engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").stream()
                    .map(row -> (String) row.get("source_id")).toList();
            String changed = synced.get(0);
            String deleted = synced.get(1);
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(changed).execute();
            patient.getNameFirstRep().setFamily("Refreshed");
            EHR.adminClient().update().resource(patient).execute();
            EHR.adminClient().delete().resourceById("Patient", deleted).execute();

            engine.request("direct:fhir-patient-refresh", changed);
            engine.request("direct:fhir-patient-refresh", deleted);
            engine.request("direct:fhir-patient-refresh", "no-such-patient");

            assertThat(engine.rows("SELECT legal_family, archived FROM portal_patient WHERE source_id = ?", changed).get(0))
                    .containsEntry("legal_family", "Refreshed").containsEntry("archived", false);
            assertThat(engine.rows("SELECT archived FROM portal_patient WHERE source_id = ?", deleted).get(0))
                    .containsEntry("archived", true);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(synced.size());
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read' AND result = 'success'")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.read' AND result = 'failure: HTTP 410'")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            assertThat(ids).contains(changed, deleted);
        }
    }
}
