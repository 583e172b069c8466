package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * The patient poll writes a page's records in one transaction, and a page that fails is written again
 * record by record: one bad record of a page of 100 is dead-lettered, the other 99 land.
 */
class PageTransactionIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static Map<String, String> settings(long seed, String pageSize, boolean pageTransaction) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, pageSize);
        settings.put(PortalSyncSettings.SYNC_PAGE_TRANSACTION, Boolean.toString(pageTransaction));
        return settings;
    }

    /** The positions of the generator's nameless patients among the first {@code count} of a seed: the mapping rejects them. */
    private static Set<Integer> nameless(long seed, int count) {
        SandboxPatientGenerator generator = new SandboxPatientGenerator(seed, SandboxPatientGenerator.DefectRates.SANDBOX);
        Set<Integer> positions = new HashSet<>();
        for (int i = 0; i < count; i++) {
            if (SandboxPatientGenerator.defectOf(generator.next()) == SandboxPatientGenerator.Defect.NO_NAME) {
                positions.add(i);
            }
        }
        return positions;
    }

    @Test
    void eachPageIsOneTransactionUnlessSwitchedOff() throws Exception {
        long seed = 9741;
        EHR.seedPatients(120, seed);
        long delivered = 120 - nameless(seed, 120).size();
        // every record of one transaction is written at the same instant: the transaction's
        try (TestEngine engine = TestEngine.start(settings(seed, "40", true))) {
            assertThat(engine.poll()).startsWith("Synced " + delivered + " patients (3 pages");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(delivered);
            assertThat(engine.count("SELECT COUNT(DISTINCT created_at) FROM portal_patient")).isEqualTo(3);
            assertThat(engine.count("SELECT COUNT(*) FROM patient_sync_status WHERE last_success_at IS NOT NULL")).isEqualTo(delivered);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.create'")).isEqualTo(delivered);
        }
        try (TestEngine engine = TestEngine.start(settings(seed, "40", false))) {
            engine.poll();
            assertThat(engine.count("SELECT COUNT(DISTINCT created_at) FROM portal_patient")).isGreaterThan(3);
        }
    }

    @Test
    void oneBadRecordInAPageOf100IsDeadLetteredAndTheOther99Land() throws Exception {
        long seed = 9742;
        List<String> ids = EHR.seedPatients(100, seed);
        Patient exploding = EHR.adminClient().read().resource(Patient.class).withId(ids.get(57)).execute();
        exploding.getName().clear();
        exploding.addName().setFamily("Explode").addGiven("Eve");
        EHR.adminClient().update().resource(exploding).execute();

        try (TestEngine engine = TestEngine.start(settings(seed, "100", true))) {
            try (Connection connection = engine.database().getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TRIGGER refuse_exploding BEFORE INSERT ON portal_patient FOR EACH ROW CALL \""
                        + RefuseExplodingPatient.class.getName() + "\"");
            }

            String summary = engine.poll();

            // the exploding patient was given a name: it is not among the rejected, whatever the generator made it
            Set<Integer> namelessPositions = nameless(seed, 100);
            namelessPositions.remove(57);
            long rejected = namelessPositions.size();
            assertThat(summary).contains("(1 pages").contains("1 dead-lettered");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(99 - rejected);
            assertThat(engine.rows("SELECT record_ref, route_id FROM dead_letter")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("record_ref", "Patient/" + ids.get(57)).containsEntry("route_id", "patient-sync-one"));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", ids.get(57))).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.create'")).isEqualTo(99 - rejected);
        }
    }
}
