package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.hl7.fhir.r4.model.HumanName.NameUse;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/** A patient named only in text reaches the portal with that text as display name; one with no name at all does not. */
class PatientDisplayNameIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static String create(long seed, Patient patient) {
        patient.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
        patient.addIdentifier().setSystem(SandboxPatientGenerator.MRN_SYSTEM).setValue("MRN-" + seed + "-" + patient.getGender());
        return EHR.adminClient().create().resource(patient).execute().getId().getIdPart();
    }

    @Test
    void aNameGivenOnlyAsTextIsKeptAsTheDisplayNameAndNoNameAtAllIsRejected() throws Exception {
        long seed = 7831;
        Patient textOnly = new Patient();
        textOnly.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.MALE);
        textOnly.addName().setUse(NameUse.OFFICIAL).setText("张无忌");
        String textOnlyId = create(seed, textOnly);
        Patient nameless = new Patient();
        nameless.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
        String namelessId = create(seed, nameless);

        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed))) {
            String summary = engine.poll();

            assertThat(summary).contains("1 new").contains("1 rejected");
            Map<String, Object> row = engine.rows("SELECT display_name, legal_given, legal_family FROM portal_patient WHERE source_id = ?",
                    textOnlyId).get(0);
            assertThat(row).containsEntry("display_name", "张无忌").containsEntry("legal_given", null).containsEntry("legal_family", null);
            assertThat(engine.rows("SELECT record_ref, field, rejects_record FROM data_quality_issue WHERE field = 'Patient.name'"))
                    .singleElement().satisfies(issue -> assertThat(issue)
                            .containsEntry("record_ref", "Patient/" + namelessId).containsEntry("rejects_record", true));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", namelessId)).isZero();
        }
    }
}
