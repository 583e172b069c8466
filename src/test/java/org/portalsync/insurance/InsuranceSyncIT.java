package org.portalsync.insurance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portalsync.sandbox.SandboxCoverageGenerator;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * Insurance from the EHR: the real engine polls the sandbox EHR's Coverages into portal_insurance,
 * each under the patient it covers (fetching a patient the portal does not know yet), then an EHR edit
 * and an EHR deletion of a policy; on H2 and on PostgreSQL. Expected numbers come from the generator.
 */
class InsuranceSyncIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @ParameterizedTest
    @CsvSource({"h2, 9731", "postgresql, 9732"})
    void everyPolicyReachesItsPatientThenAnEhrEditAndADeletionFollow(String database, long seed) throws Exception {
        List<String> patients = EHR.seedPatientsOneByOne(12, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), database, seed))) {
            engine.poll();
            // a patient added after the patient poll, whose policy the insurance poll meets first
            String latePatient = EHR.seedPatientsOneByOne(1, seed).get(0).id();
            List<String> insured = new ArrayList<>(patients.subList(0, 10));
            insured.add(latePatient);
            List<SandboxEhr.SeededCoverage> coverages = EHR.seedCoverages(insured, seed);
            // a known bad record besides the generator's few: a policy without a member id
            Coverage noMemberId = EHR.adminClient().read().resource(Coverage.class).withId(coverages.get(2).id()).execute();
            noMemberId.setSubscriberId(null);
            noMemberId.getIdentifier().clear();
            EHR.adminClient().update().resource(noMemberId).execute();
            java.util.Set<String> incomplete = new java.util.HashSet<>();
            coverages.stream().filter(c -> c.defect() != SandboxCoverageGenerator.Defect.NONE).forEach(c -> incomplete.add("Coverage/" + c.id()));
            incomplete.add("Coverage/" + coverages.get(2).id());

            String summary = engine.pollInsurance();

            assertThat(summary).startsWith("Synced " + coverages.size() + " Coverage resources");
            Map<String, String> patientOfCoverage = new HashMap<>();
            engine.rows("SELECT i.source_id AS coverage, p.source_id AS patient FROM portal_insurance i JOIN portal_patient p ON p.id = i.patient_id")
                    .forEach(row -> patientOfCoverage.put((String) row.get("coverage"), (String) row.get("patient")));
            Map<String, String> expected = new HashMap<>();
            coverages.forEach(c -> expected.put(c.id(), c.patientId()));
            assertThat(patientOfCoverage).isEqualTo(expected);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", latePatient))
                    .as("the patient the portal did not know is fetched, not dropped").isEqualTo(1);
            List<String> reported = engine.rows("SELECT DISTINCT record_ref FROM data_quality_issue WHERE record_ref LIKE 'Coverage/%'").stream()
                    .map(row -> (String) row.get("record_ref")).toList();
            assertThat(reported).as("each incomplete policy is reported").containsExactlyInAnyOrderElementsOf(incomplete);
            assertThat(engine.rows("SELECT member_id FROM portal_insurance WHERE source_id = ?", coverages.get(2).id()).get(0).get("member_id"))
                    .as("an incomplete policy is stored, not dropped").isNull();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Coverage.search' AND result = 'success'")).isPositive();

            // the front desk corrects a member id at the EHR
            SandboxEhr.SeededCoverage edited = coverages.get(0);
            Coverage coverage = EHR.adminClient().read().resource(Coverage.class).withId(edited.id()).execute();
            coverage.setSubscriberId("NEW-" + seed);
            EHR.adminClient().update().resource(coverage).execute();
            // and one policy is deleted at the EHR
            SandboxEhr.SeededCoverage deleted = coverages.get(1);
            EHR.adminClient().delete().resourceById("Coverage", deleted.id()).execute();

            String second = engine.pollInsurance();

            assertThat(second).contains(" 0 new, 1 updated, 1 archived");
            assertThat(engine.rows("SELECT member_id FROM portal_insurance WHERE source_id = ?", edited.id()).get(0).get("member_id"))
                    .isEqualTo("NEW-" + seed);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_insurance WHERE deleted_at IS NOT NULL")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_insurance WHERE deleted_at IS NOT NULL AND source_id = ?", deleted.id()))
                    .isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_insurance")).as("a deleted policy stays for history").isEqualTo(coverages.size());
        }
    }

    /**
     * A policy of a patient the portal rejected (no name) cannot be delivered however often it is tried:
     * it is dead-lettered at once, to be synced again with its patient, not retried on the spot, where
     * its back-off would hold the sync worker that the other feeds share.
     */
    @Test
    void aPolicyOfARejectedPatientIsDeadLetteredAtOnce() throws Exception {
        List<String> patients = EHR.seedPatientsOneByOne(3, 10401).stream().map(SandboxEhr.SeededPatient::id).toList();
        Patient nameless = EHR.adminClient().read().resource(Patient.class).withId(patients.get(0)).execute();
        nameless.getName().clear();
        EHR.adminClient().update().resource(nameless).execute();
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", 10401))) {
            engine.poll();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", patients.get(0))).isZero();
            List<SandboxEhr.SeededCoverage> coverages = EHR.seedCoverages(patients, 10401);
            List<String> orphans = coverages.stream().filter(c -> c.patientId().equals(patients.get(0))).map(c -> "Coverage/" + c.id()).toList();
            assertThat(orphans).isNotEmpty();

            engine.pollInsurance();

            assertThat(engine.count("SELECT COUNT(*) FROM portal_insurance")).isEqualTo(coverages.size() - orphans.size());
            for (String orphan : orphans) {
                List<Map<String, Object>> alerts = engine.rows("SELECT a.message FROM alert a JOIN dead_letter d ON d.id = a.dead_letter_id "
                        + "WHERE d.record_ref = ?", orphan);
                assertThat(alerts).as(orphan).hasSize(1);
                assertThat((String) alerts.get(0).get("message")).contains("(after 1 attempt)");
            }
        }
    }
}
