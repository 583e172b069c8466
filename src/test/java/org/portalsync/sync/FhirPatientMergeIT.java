package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Patient.LinkType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * A merge done in a FHIR EHR reaches the portal by the patient poll, whose records are written a page at a time: the merged
 * record is archived and linked to the survivor, whether the EHR links both records (as HAPI's {@code $merge} does:
 * {@code replaces} on the survivor, {@code replaced-by} and {@code active=false} on the merged one) or only marks the
 * merged one; one person gets one welcome; a link to a patient the portal does not hold is a data-quality row.
 */
class FhirPatientMergeIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aMergeInTheEhrArchivesTheMergedPatientAndLeavesOneWelcome(String database) throws Exception {
        long seed = 11101 + database.length();
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), database, seed))) {
            engine.poll(); // an empty initial load: the patients below are new to the practice, and welcomed
            List<String> others = EHR.seedPatients(10, seed, new SandboxPatientGenerator.DefectRates(0, 0, 0, 0, 0));
            Patient survivorBothLinked = create(seed, "S1", "Ada");
            Patient mergedBothLinked = create(seed, "M1", "Ada");
            Patient survivorOneLinked = create(seed, "S2", "Grace");
            Patient mergedOneLinked = create(seed, "M2", "Grace");
            Patient linkedToUnknown = create(seed, "M3", "Edsger");
            engine.poll();
            List<String> welcomed = List.of("S1", "M1", "S2", "M2", "M3");
            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox w JOIN portal_patient p ON p.id = w.patient_id WHERE p.mrn LIKE ?",
                    mrn(seed, "%"))).as("each created patient is welcomed").isEqualTo(welcomed.size());
            // the second pair's merged record was welcomed already (sent, as the portal marks it)
            try (var connection = engine.database().getConnection(); var sent = connection.prepareStatement("UPDATE welcome_outbox "
                    + "SET processed_at = CURRENT_TIMESTAMP WHERE patient_id = (SELECT id FROM portal_patient WHERE mrn = ?)")) {
                sent.setString(1, mrn(seed, "M2"));
                assertThat(sent.executeUpdate()).isEqualTo(1);
            }

            // the EHR merges: M1 into S1 linked both ways; M2 into S2 marked on M2 alone; M3 into a record outside the poll
            link(survivorBothLinked, LinkType.REPLACES, mergedBothLinked);
            link(mergedBothLinked, LinkType.REPLACEDBY, survivorBothLinked).setActive(false);
            link(mergedOneLinked, LinkType.REPLACEDBY, survivorOneLinked).setActive(false);
            // a record the poll does not read (not under the seed's tag), so the portal does not hold it
            Patient outsideThePoll = new Patient();
            outsideThePoll.addName().setFamily("Outside");
            outsideThePoll.setId(EHR.adminClient().create().resource(outsideThePoll).execute().getId().toUnqualifiedVersionless());
            link(linkedToUnknown, LinkType.REPLACEDBY, outsideThePoll);
            for (Patient changed : List.of(survivorBothLinked, mergedBothLinked, mergedOneLinked, linkedToUnknown)) {
                EHR.adminClient().update().resource(changed).execute();
            }
            engine.poll();

            Map<String, Object> ids = engine.rows("SELECT (SELECT id FROM portal_patient WHERE mrn = ?) AS s1, (SELECT id FROM portal_patient "
                    + "WHERE mrn = ?) AS s2", mrn(seed, "S1"), mrn(seed, "S2")).get(0);
            assertThat(engine.rows("SELECT mrn, archived, replaced_by FROM portal_patient WHERE mrn LIKE ? ORDER BY mrn", mrn(seed, "%")))
                    .extracting(row -> row.get("mrn") + " " + row.get("archived") + " " + row.get("replaced_by"))
                    .containsExactly(mrn(seed, "M1") + " true " + ids.get("s1"), mrn(seed, "M2") + " true " + ids.get("s2"),
                            mrn(seed, "M3") + " false null", mrn(seed, "S1") + " false null", mrn(seed, "S2") + " false null");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.merge'")).isEqualTo(2);
            assertThat(engine.rows("SELECT record_ref, field, problem FROM data_quality_issue WHERE field = 'Patient.link'")).singleElement()
                    .satisfies(row -> {
                        assertThat(row.get("record_ref")).isEqualTo("Patient/" + linkedToUnknown.getIdElement().getIdPart());
                        assertThat((String) row.get("problem")).contains("replaced-by Patient/" + outsideThePoll.getIdElement().getIdPart()).contains("nothing merged");
                    });
            // one welcome per person: M1's pending one is cancelled (S1's stays); S2's is cancelled, as M2 was welcomed
            assertThat(engine.rows("SELECT p.mrn, w.processed_at IS NOT NULL AS sent, w.cancel_reason FROM welcome_outbox w "
                    + "JOIN portal_patient p ON p.id = w.patient_id WHERE p.mrn LIKE ? ORDER BY p.mrn", mrn(seed, "%")))
                    .extracting(row -> row.get("mrn") + " " + row.get("sent") + " " + row.get("cancel_reason"))
                    .containsExactly(mrn(seed, "M1") + " false merged into portal_patient/" + ids.get("s1"),
                            mrn(seed, "M2") + " true null", mrn(seed, "M3") + " false null", mrn(seed, "S1") + " false null",
                            mrn(seed, "S2") + " false welcomed before as portal_patient/" + engine.rows("SELECT id FROM portal_patient WHERE mrn = ?",
                                    mrn(seed, "M2")).get(0).get("id") + ", merged into this patient");
            // the page's other records were written as ever, none dead-lettered
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id IN (" + String.join(",", others.stream()
                    .map(id -> "'" + id + "'").toList()) + ")")).isEqualTo(others.size());
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();

            // the same merge read again (another change of the merged record) merges nothing twice, and it stays archived
            mergedBothLinked.getNameFirstRep().setFamily("Late-Update");
            EHR.adminClient().update().resource(mergedBothLinked).execute();
            engine.poll();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.merge'")).isEqualTo(2);
            assertThat(engine.rows("SELECT archived, legal_family FROM portal_patient WHERE mrn = ?", mrn(seed, "M1")).get(0))
                    .containsEntry("archived", true).containsEntry("legal_family", "Late-Update");
        }
    }

    private static String mrn(long seed, String which) {
        return "MERGE-" + seed + "-" + which;
    }

    /** An adult with an email: the welcome policy writes to each. */
    private static Patient create(long seed, String which, String given) {
        Patient patient = new Patient();
        patient.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
        patient.setActive(true);
        patient.addIdentifier().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", null)))
                .setSystem(SandboxPatientGenerator.MRN_SYSTEM).setValue(mrn(seed, which));
        patient.addName().setFamily("Merge" + which).addGiven(given);
        patient.setGender(AdministrativeGender.FEMALE);
        patient.setBirthDateElement(new DateType("1980-04-0" + (which.charAt(1))));
        patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.EMAIL).setValue(which.toLowerCase() + "@merge.example.org");
        patient.setId(EHR.adminClient().create().resource(patient).execute().getId().toUnqualifiedVersionless());
        return patient;
    }

    private static Patient link(Patient from, LinkType type, Patient to) {
        from.addLink().setType(type).setOther(new Reference("Patient/" + to.getIdElement().getIdPart()));
        return from;
    }
}
