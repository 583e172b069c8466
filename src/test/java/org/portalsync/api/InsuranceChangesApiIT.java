package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coverage;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * Insurance from the portal, through the engine's API against the real sandbox EHR: a change of a policy
 * is written to its Coverage with If-Match, a new policy is created at the EHR exactly once, and under
 * last-write-wins a later EHR edit wins over an earlier portal change with the conflict kept.
 */
class InsuranceChangesApiIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> post(ApiTestClient api, String path, String key, String body) throws Exception {
        return api.send(api.request(path, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String change(String key, String changedAt, String insurance) {
        return "{\"change_key\":\"" + key + "\",\"initiated_by\":\"patient\"" + (changedAt == null ? "" : ",\"changed_at\":\"" + changedAt + "\"")
                + ",\"fields\":{\"insurance\":" + insurance + "}}";
    }

    @Test
    void aPolicyChangeGoesToItsCoverageWithIfMatchAndANewPolicyIsCreatedOnce() throws Exception {
        long seed = 9733;
        List<String> patients = EHR.seedPatients(2, seed);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WRITE_BACK_ENABLED, "true");
        settings.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write system/Coverage.read system/Coverage.write");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            SandboxEhr.SeededCoverage seeded = EHR.seedCoverages(List.of(patients.get(0)), seed).get(0);
            engine.pollInsurance();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

            HttpResponse<String> accepted = post(api, "/api/v1/patients/ehr/" + patients.get(0) + "/changes", portal, change("ins-1", null,
                    "{\"coverage_id\":\"" + seeded.id() + "\",\"payer\":\"Acme Health\",\"member_id\":\"M-9733\",\"relationship\":\"self\"}"));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            JsonNode done = api.awaitChangeEnd(JSON.readTree(accepted.body()).get("change_id").asLong(), portal);
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("DONE");
            Coverage atEhr = EHR.adminClient().read().resource(Coverage.class).withId(seeded.id()).execute();
            assertThat(atEhr.getSubscriberId()).isEqualTo("M-9733");
            assertThat(atEhr.getPayorFirstRep().getDisplay()).isEqualTo("Acme Health");
            assertThat(done.get("ehr_version").asText()).isEqualTo(atEhr.getMeta().getVersionId());

            HttpResponse<String> added = post(api, "/api/v1/patients/ehr/" + patients.get(1) + "/changes", portal, change("ins-2", null,
                    "{\"payer\":\"Second Payer\",\"member_id\":\"S-9733\",\"group_number\":\"G-1\"}"));
            assertThat(added.statusCode()).as(added.body()).isEqualTo(202);
            JsonNode created = api.awaitChangeEnd(JSON.readTree(added.body()).get("change_id").asLong(), portal);
            assertThat(created.get("status").asText()).as(created.toString()).isEqualTo("DONE");
            Bundle ofSecond = EHR.adminClient().search().forResource(Coverage.class)
                    .where(Coverage.BENEFICIARY.hasId("Patient/" + patients.get(1))).returnBundle(Bundle.class).execute();
            assertThat(ofSecond.getEntry()).hasSize(1);
            Coverage second = (Coverage) ofSecond.getEntryFirstRep().getResource();
            assertThat(second.getSubscriberId()).isEqualTo("S-9733");
            assertThat(engine.rows("SELECT source_id FROM portal_insurance WHERE member_id = 'S-9733'").get(0).get("source_id"))
                    .isEqualTo(second.getIdElement().getIdPart());

            // the insurance poll meets both Coverages again: no second row, no change, no conflict
            engine.pollInsurance();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_insurance")).isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_field_conflict")).isZero();

            // refused with nothing stored: a policy without payer and member id, and insurance mixed with other fields
            HttpResponse<String> incomplete = post(api, "/api/v1/patients/ehr/" + patients.get(1) + "/changes", portal,
                    change("ins-3", null, "{\"group_number\":\"G-2\"}"));
            assertThat(incomplete.statusCode()).isEqualTo(422);
            assertThat(incomplete.body()).contains("member_id: required").contains("payer: required");
            HttpResponse<String> mixed = post(api, "/api/v1/patients/ehr/" + patients.get(1) + "/changes", portal,
                    "{\"change_key\":\"ins-4\",\"initiated_by\":\"patient\",\"fields\":{\"emails\":[],\"insurance\":{\"payer\":\"P\",\"member_id\":\"M\"}}}");
            assertThat(mixed.statusCode()).isEqualTo(400);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change WHERE client_id = 'portal'")).isEqualTo(2);
        }
    }

    @Test
    void aPolicyChangeTheEhrCannotTakeFailsWithTheInsuranceMessageAndThePracticePhone() throws Exception {
        long seed = 9735;
        List<String> patients = EHR.seedPatients(2, seed);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.PRACTICE_PHONE, "(503) 555-0100");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            SandboxEhr.SeededCoverage ofFirst = EHR.seedCoverages(List.of(patients.get(0)), seed).get(0);
            engine.pollInsurance();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

            // the second patient names the first one's policy
            HttpResponse<String> accepted = post(api, "/api/v1/patients/ehr/" + patients.get(1) + "/changes", portal, change("ins-9", null,
                    "{\"coverage_id\":\"" + ofFirst.id() + "\",\"payer\":\"Acme Health\",\"member_id\":\"M-9735\"}"));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            JsonNode failed = api.awaitChangeEnd(JSON.readTree(accepted.body()).get("change_id").asLong(), portal);

            assertThat(failed.get("status").asText()).as(failed.toString()).isEqualTo("FAILED");
            assertThat(failed.get("patient_message").asText()).isEqualTo("We couldn't update your insurance. Please call our front desk at "
                    + "(503) 555-0100, or bring your insurance card to your next visit.");
            assertThat(engine.rows("SELECT member_id FROM portal_insurance")).extracting(row -> row.get("member_id")).doesNotContain("M-9735");
        }
    }

    @Test
    void aLaterEhrEditWinsOverAnEarlierPortalChangeAndTheConflictIsKept() throws Exception {
        long seed = 9734;
        String patient = EHR.seedPatients(1, seed).get(0);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            SandboxEhr.SeededCoverage seeded = EHR.seedCoverages(List.of(patient), seed).get(0);
            engine.pollInsurance();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            // the patient types a new member id (write-back is off here); then the front desk corrects it at the EHR
            HttpResponse<String> accepted = post(api, "/api/v1/patients/ehr/" + patient + "/changes", portal, change("ins-1",
                    null, "{\"coverage_id\":\"" + seeded.id() + "\",\"payer\":\"Acme Health\",\"member_id\":\"PATIENT-TYPED\"}"));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            assertThat(api.awaitChangeEnd(JSON.readTree(accepted.body()).get("change_id").asLong(), portal).get("status").asText()).isEqualTo("DONE");
            assertThat(engine.rows("SELECT member_id FROM portal_insurance").get(0).get("member_id")).isEqualTo("PATIENT-TYPED");
            Coverage coverage = EHR.adminClient().read().resource(Coverage.class).withId(seeded.id()).execute();
            coverage.setSubscriberId("DESK-CORRECTED");
            EHR.adminClient().update().resource(coverage).execute();

            engine.pollInsurance();

            assertThat(engine.rows("SELECT member_id FROM portal_insurance").get(0).get("member_id")).isEqualTo("DESK-CORRECTED");
            List<Map<String, Object>> conflicts = engine.rows("SELECT field, kept_side, discarded_side, discarded_value FROM portal_field_conflict");
            assertThat(conflicts).hasSize(1);
            assertThat(conflicts.get(0).get("field")).isEqualTo("patient.insurance");
            assertThat(conflicts.get(0).get("kept_side")).isEqualTo("ehr");
            assertThat(conflicts.get(0).get("discarded_side")).isEqualTo("portal");
            assertThat(String.valueOf(conflicts.get(0).get("discarded_value"))).contains("PATIENT-TYPED");
        }
    }
}
