package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.SandboxEhr;

/**
 * The portal never takes an older version over a newer one, whichever way the older one arrives:
 * a late page, a refresh racing a poll, a deletion the EHR has since undone. Versions come from the
 * real sandbox EHR ({@code vread}), not from hand-made resources.
 */
class SourceVersionOrderIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static Patient edit(String id, String family) {
        Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
        patient.getNameFirstRep().setFamily(family);
        EHR.adminClient().update().resource(patient).execute();
        return EHR.adminClient().read().resource(Patient.class).withId(id).execute();
    }

    private static Patient version(String id, int version) {
        return EHR.adminClient().vread(Patient.class, id, String.valueOf(version));
    }

    private static Object deliver(TestEngine engine, Patient patient) throws Exception {
        return engine.request("direct:patient-sync", patient, Map.of(SyncHeaders.SOURCE, "ehr",
                SyncHeaders.RECORD, "Patient/" + patient.getIdElement().getIdPart()));
    }

    private static String family(TestEngine engine, String id) throws Exception {
        return (String) engine.rows("SELECT legal_family FROM portal_patient WHERE source_id = ?", id).get(0).get("legal_family");
    }

    @Test
    void anOlderVersionArrivingLateIsIgnored() throws Exception {
        long seed = 7601;
        String id = EHR.seedPatients(3, seed).get(0);
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed))) {
            engine.poll();
            Patient first = version(id, 1);
            edit(id, "Newer");
            engine.request("direct:fhir-patient-refresh", id);
            assertThat(family(engine, id)).isEqualTo("Newer");

            deliver(engine, first);

            assertThat(family(engine, id)).as("version 1 came after version 2").isEqualTo("Newer");
            assertThat(engine.rows("SELECT source_version, row_version FROM portal_patient WHERE source_id = ?", id).get(0))
                    .containsEntry("source_version", "2").containsEntry("row_version", 2);
        }
    }

    @Test
    void aPatientRecreatedAfterADeletionStaysWhenTheSweepReadsTheDeletion() throws Exception {
        long seed = 7602;
        String id = EHR.seedPatients(4, seed).get(1);
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed))) {
            engine.poll();
            Patient before = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            EHR.adminClient().delete().resourceById("Patient", id).execute();
            before.getMeta().setVersionId(null);
            before.setId(before.getIdElement().toUnqualifiedVersionless());
            before.getNameFirstRep().setFamily("Returned");
            EHR.adminClient().update().resource(before).execute();

            String summary = engine.poll();

            assertThat(engine.rows("SELECT archived, legal_family FROM portal_patient WHERE source_id = ?", id).get(0))
                    .containsEntry("archived", false).containsEntry("legal_family", "Returned");
            assertThat(summary).contains("1 updated").contains("0 archived");
        }
    }

    /** Every version of one patient delivered at once, in random order, twice over: the newest wins. */
    @Test
    void concurrentDeliveriesOfOnePatientEndWithTheNewestVersion() throws Exception {
        long seed = 7603;
        String id = EHR.seedPatients(1, seed).get(0);
        for (String family : List.of("Second", "Third", "Fourth", "Fifth")) {
            edit(id, family);
        }
        List<Patient> versions = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (int v = 1; v <= 5; v++) {
                versions.add(version(id, v));
            }
        }
        Collections.shuffle(versions, new java.util.Random(seed));
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "postgresql", seed))) {
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<Object>> deliveries = new ArrayList<>();
                for (Patient patient : versions) {
                    deliveries.add(threads.submit(() -> deliver(engine, patient)));
                }
                for (Future<Object> delivery : deliveries) {
                    delivery.get();
                }
            } finally {
                threads.shutdown();
            }

            assertThat(engine.rows("SELECT legal_family, source_version FROM portal_patient WHERE source_id = ?", id))
                    .singleElement().satisfies(row -> assertThat(row).containsEntry("legal_family", "Fifth").containsEntry("source_version", "5"));
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
        }
    }
}
