package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;

/**
 * One patient synced on request: updated when it changed, archived when the EHR answers 410 Gone;
 * a 404 Not Found is no deletion, but a data-quality row (and an alert when many come at once).
 */
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

    @Test
    void aPatientTheEhrAnswers404ForIsKeptAndReportedNotArchived() throws Exception {
        long seed = 5152;
        EHR.seedPatients(4, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed))) {
            engine.poll();
            String restricted = engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").get(0).get("source_id").toString();
            // the patient is still there; the EHR now hides it from this client (restricted, or out of scope)
            proxy.failNext(1, 404, "/fhir/Patient/" + restricted);

            engine.request("direct:fhir-patient-refresh", restricted);

            assertThat(proxy.requestLog()).contains("GET /fhir/Patient/" + restricted + "?_elements="
                    + org.portalsync.mapping.MapFhirPatient.MAPPED_ELEMENTS);
            assertThat(engine.rows("SELECT archived, archived_at FROM portal_patient WHERE source_id = ?", restricted).get(0))
                    .containsEntry("archived", false).containsEntry("archived_at", null);
            List<Map<String, Object>> issues = engine.rows(
                    "SELECT field, problem, rejects_record FROM data_quality_issue WHERE record_ref = ?", "Patient/" + restricted);
            assertThat(issues).hasSize(1);
            assertThat(issues.get(0)).containsEntry("field", "Patient.id").containsEntry("rejects_record", true);
            assertThat((String) issues.get(0).get("problem")).contains("404 Not Found").contains("kept");
            assertThat(engine.rows("SELECT pending_changes, last_error FROM patient_sync_status WHERE source_id = ?", restricted).get(0))
                    .containsEntry("pending_changes", true)
                    .hasEntrySatisfying("last_error", error -> assertThat((String) error).startsWith("Patient.id: the EHR answered 404"));
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM alert")).as("one 404 is no surge").isZero();
        }
    }

    @Test
    void manyReadsAnswered404AtOnceRaiseOneAlert() throws Exception {
        long seed = 5153;
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.FHIR_NOT_FOUND_ALERT_THRESHOLD, "3");
        settings.put(PortalSyncSettings.FHIR_NOT_FOUND_ALERT_WINDOW, "10m");
        try (TestEngine engine = TestEngine.start(settings)) {
            // ids the EHR does not know answer 404, as every id does behind a wrong base URL
            engine.request("direct:fhir-patient-refresh", "unknown-1");
            engine.request("direct:fhir-patient-refresh", "unknown-1");
            engine.request("direct:fhir-patient-refresh", "unknown-2");

            assertThat(engine.count("SELECT COUNT(*) FROM alert")).as("two records, the same one twice: below 3").isZero();

            engine.request("direct:fhir-patient-refresh", "unknown-3");
            engine.request("direct:fhir-patient-refresh", "unknown-4");

            List<Map<String, Object>> alerts = engine.rows("SELECT kind, message, dead_letter_id FROM alert");
            assertThat(alerts).as("one alert per window").hasSize(1);
            assertThat(alerts.get(0)).containsEntry("kind", "EHR_NOT_FOUND_SURGE").containsEntry("dead_letter_id", null);
            assertThat((String) alerts.get(0).get("message")).startsWith("3 records were answered 404 Not Found")
                    .contains("Patient/unknown-3").contains("portal-sync.source.fhir.base-url");
            assertThat(engine.count("SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue")).isEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
        }
    }
}
