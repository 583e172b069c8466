package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * The acceptance test of the FHIR patient sync: the real engine against the sandbox EHR (HAPI
 * FHIR JPA, OAuth2 on), once with H2 and once with a real PostgreSQL as the portal database.
 */
class FhirPatientSyncIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void syncsEveryPatientOnceThenExactlyTheEditedOnesThenArchivesDeleted(String database) throws Exception {
        long seed = database.hashCode() & 0xffff;
        List<String> ids = EHR.seedPatients(500, seed);
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), database, seed))) {
            String first = engine.poll();

            long rejected = engine.count("SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE");
            assertThat(first).startsWith("Synced " + (500 - rejected) + " patients (10 pages");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(500 - rejected);
            assertThat(engine.count("SELECT COUNT(DISTINCT source_id) FROM portal_patient")).isEqualTo(500 - rejected);
            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).as("the initial load welcomes nobody").isZero();
            assertThat(rejected).as("the generator makes about 1% nameless").isBetween(1L, 15L);
            assertThat(engine.count("SELECT COUNT(*) FROM patient_sync_status WHERE last_error LIKE 'Patient.name:%' AND pending_changes = TRUE"))
                    .isEqualTo(rejected);
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE rejects_record = FALSE AND field LIKE 'Patient.telecom[%].value'"))
                    .as("invalid phones and emails are reported, not delivered").isPositive();
            assertThat(engine.count("SELECT COUNT(*) FROM patient_sync_status WHERE last_success_at IS NOT NULL")).isEqualTo(500 - rejected);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search' AND result = 'success'")).isEqualTo(10);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'OAuth2.token' AND result = 'success'")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.create'")).isEqualTo(500 - rejected);
            Set<String> synced = new HashSet<>();
            engine.rows("SELECT source_id FROM portal_patient").forEach(row -> synced.add((String) row.get("source_id")));
            assertThat(ids).containsAll(synced);

            List<String> edited = editFamilyName(ids, synced, 20);
            SandboxPatientGenerator generator = new SandboxPatientGenerator(seed);
            for (int i = 0; i < 500; i++) {
                generator.next();
            }
            String[] added = ExpectedWelcomes.createNextWelcomed(EHR, generator, seed, LocalDate.now(ZoneOffset.UTC));
            String second = engine.poll();

            assertThat(second).contains(" 1 new, 20 updated, 0 archived");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE legal_family LIKE 'Edited-%'")).isEqualTo(20);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE row_version = 2")).isEqualTo(20);
            assertThat(engine.rows("SELECT p.source_id, w.recipient_email FROM welcome_outbox w JOIN portal_patient p ON p.id = w.patient_id"))
                    .as("one welcome: the patient new at the EHR after the initial load")
                    .containsExactly(Map.of("source_id", added[0], "recipient_email", added[1]));
            for (String id : edited) {
                assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ? AND legal_family = ?", id, "Edited-" + id))
                        .isEqualTo(1);
            }

            List<String> deleted = synced.stream().filter(id -> !edited.contains(id)).sorted().limit(3).toList();
            deleted.forEach(id -> EHR.adminClient().delete().resourceById("Patient", id).execute());
            String third = engine.poll();

            assertThat(third).contains(" 0 new, 0 updated, 3 archived");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE archived = TRUE")).isEqualTo(3);
            for (String id : deleted) {
                Map<String, Object> row = engine.rows("SELECT archived, archived_at, legal_family FROM portal_patient WHERE source_id = ?", id).get(0);
                assertThat(row.get("archived")).isEqualTo(true);
                assertThat(row.get("archived_at")).isNotNull();
                assertThat(row.get("legal_family")).as("an archived patient keeps its data").isNotNull();
            }
        }
    }

    private static List<String> editFamilyName(List<String> ids, Set<String> synced, int count) {
        List<String> edited = ids.stream().filter(synced::contains).skip(100).limit(count).toList();
        for (String id : edited) {
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            patient.getNameFirstRep().setFamily("Edited-" + id);
            patient.setActiveElement(new BooleanType(true));
            EHR.adminClient().update().resource(patient).execute();
        }
        return edited;
    }
}
