package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.authority.AuthorityFile;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * The portal's side of the authority rules, through the engine's API against the real sandbox EHR: a
 * change is stored before the answer, taken up at once and written to the EHR; what the EHR owns is
 * refused naming the owner; bad values and reused keys are refused with nothing stored.
 */
class PatientChangesApiIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HttpResponse<String> post(ApiTestClient api, String path, String key, String body) throws Exception {
        return api.send(api.request(path, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static Map<String, String> withWriteBack(long seed) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WRITE_BACK_ENABLED, "true");
        settings.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write system/Coverage.read system/Coverage.write");
        return settings;
    }

    private static String change(String key, String fields) {
        return "{\"change_key\":\"" + key + "\",\"initiated_by\":\"patient\",\"fields\":" + fields + "}";
    }

    @Test
    void aPortalChangeIsAcceptedStoredAndWrittenToTheEhr() throws Exception {
        long seed = 9721;
        String id = EHR.seedPatients(2, seed).get(0);
        Map<String, String> settings = withWriteBack(seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            String reader = ApiTestClient.issue(settings, "docs", "authority:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            String path = "/api/v1/patients/ehr/" + id + "/changes";

            HttpResponse<String> accepted = post(api, path, portal,
                    change("k-1", "{\"emails\":[{\"value\":\"Api.Change@Example.ORG\",\"use\":\"home\",\"rank\":null}]}"));

            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            JsonNode answer = JSON.readTree(accepted.body());
            long changeId = answer.get("change_id").asLong();
            assertThat(answer.get("status").asText()).isEqualTo("PENDING");
            // taken up at once, without the sweep (its interval is minutes here)
            JsonNode status = null;
            for (Instant until = Instant.now().plusSeconds(20); Instant.now().isBefore(until); Thread.sleep(100)) {
                status = JSON.readTree(api.get("/api/v1/changes/" + changeId, portal).body());
                if (status.get("status").asText().equals("DONE")) {
                    break;
                }
            }
            assertThat(status.get("status").asText()).as(status.toString()).isEqualTo("DONE");
            assertThat(status.get("fields").get("emails").asText()).isEqualTo("APPLIED");
            Patient atEhr = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            // stored as the mapping standardises it: the domain lower-cased
            assertThat(atEhr.getTelecom()).filteredOn(t -> t.getSystem() == ContactPoint.ContactPointSystem.EMAIL)
                    .extracting(ContactPoint::getValue).containsExactly("Api.Change@example.org");
            assertThat(status.get("ehr_version").asText()).isEqualTo(atEhr.getMeta().getVersionId());

            // the same key and body again: the first answer, nothing new stored
            HttpResponse<String> again = post(api, path, portal,
                    change("k-1", "{\"emails\":[{\"value\":\"Api.Change@Example.ORG\",\"use\":\"home\",\"rank\":null}]}"));
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(again.body()).get("change_id").asLong()).isEqualTo(changeId);
            HttpResponse<String> reused = post(api, path, portal, change("k-1", "{\"emails\":[]}"));
            assertThat(reused.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(reused.body()).get("error").asText()).isEqualTo("change_key_reused");

            // the EHR owns the legal name: refused, naming the owner; nothing stored
            HttpResponse<String> owned = post(api, path, portal,
                    change("k-2", "{\"legal-name\":{\"name\":{\"prefix\":null,\"given\":\"A\",\"family\":\"B\",\"suffix\":null},\"text\":null}}"));
            assertThat(owned.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(owned.body()).get("error").asText()).isEqualTo("field_owned_by_ehr");
            assertThat(JSON.readTree(owned.body()).get("message").asText()).contains("patient.legal-name is decided by the EHR");

            // a value the mapping would leave out: 422 naming the field, not the value
            HttpResponse<String> badPhone = post(api, path, portal, change("k-3", "{\"phones\":[{\"value\":\"12\",\"use\":\"home\",\"rank\":null}]}"));
            assertThat(badPhone.statusCode()).isEqualTo(422);
            assertThat(badPhone.body()).contains("Patient.telecom").doesNotContain("\"12\"");
            HttpResponse<String> unknownField = post(api, path, portal, change("k-4", "{\"emial\":[]}"));
            assertThat(unknownField.statusCode()).isEqualTo(400);
            HttpResponse<String> unknownPatient = post(api, "/api/v1/patients/ehr/no-such-patient/changes", portal, change("k-5", "{\"emails\":[]}"));
            assertThat(unknownPatient.statusCode()).isEqualTo(404);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change WHERE client_id = 'portal'")).isEqualTo(1);

            // per patient: who set each field, and the matrix as enforced
            JsonNode authority = JSON.readTree(api.get("/api/v1/patients/ehr/" + id + "/authority", portal).body());
            assertThat(authority.get("fields")).filteredOn(f -> f.get("field").asText().equals("patient.emails")).singleElement()
                    .satisfies(f -> {
                        assertThat(f.get("set_by").asText()).isEqualTo("portal");
                        assertThat(f.get("ehr_lacks_portal_value").asBoolean()).isFalse();
                    });
            HttpResponse<String> matrix = api.get("/api/v1/authority", reader);
            assertThat(matrix.statusCode()).isEqualTo(200);
            JsonNode served = JSON.readTree(matrix.body());
            JsonNode shipped = AuthorityFile.load(java.nio.file.Path.of("config/authority.yaml")).toJson();
            assertThat(served.get("fields")).isEqualTo(shipped.get("fields"));
            assertThat(served.get("lastWriteWinsOnEqualTimes")).isEqualTo(shipped.get("lastWriteWinsOnEqualTimes"));
            assertThat(api.get("/api/v1/authority", portal).statusCode()).isEqualTo(403);
            assertThat(api.get("/api/v1/changes/" + changeId, reader).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void communicationPreferencesStayInThePortalAndALaterChangeWins() throws Exception {
        long seed = 9722;
        String id = EHR.seedPatients(1, seed).get(0);
        Map<String, String> settings = withWriteBack(seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            String path = "/api/v1/patients/ehr/" + id + "/changes";
            Patient before = EHR.adminClient().read().resource(Patient.class).withId(id).execute();

            HttpResponse<String> accepted = post(api, path, portal, change("p-1",
                    "{\"communication-preferences\":{\"preferred_channel\":\"sms\",\"reminders\":[\"sms\",\"email\"]}}"));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            JsonNode done = api.awaitChangeEnd(JSON.readTree(accepted.body()).get("change_id").asLong(), portal);
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("DONE");
            assertThat(done.get("fields").get("communication-preferences").asText()).isEqualTo("APPLIED");
            String stored = (String) engine.rows("SELECT communication_preferences FROM portal_patient WHERE source_id = ?", id).get(0)
                    .get("communication_preferences");
            assertThat(JSON.readTree(stored)).isEqualTo(JSON.readTree("{\"preferred_channel\":\"sms\",\"reminders\":[\"sms\",\"email\"]}"));
            assertThat(EHR.adminClient().read().resource(Patient.class).withId(id).execute().getMeta().getVersionId())
                    .as("nothing of it goes to the EHR").isEqualTo(before.getMeta().getVersionId());

            // made earlier, taken up later: the later change stands
            HttpResponse<String> older = post(api, path, portal, "{\"change_key\":\"p-2\",\"initiated_by\":\"patient\",\"changed_at\":\""
                    + Instant.now().minusSeconds(30) + "\",\"fields\":{\"communication-preferences\":{\"preferred_channel\":\"mail\",\"reminders\":[]}}}");
            assertThat(older.statusCode()).as(older.body()).isEqualTo(202);
            assertThat(api.awaitChangeEnd(JSON.readTree(older.body()).get("change_id").asLong(), portal).get("status").asText()).isEqualTo("SUPERSEDED");
            HttpResponse<String> invalid = post(api, path, portal, change("p-3",
                    "{\"communication-preferences\":{\"preferred_channel\":\"pigeon\",\"reminders\":[]}}"));
            assertThat(invalid.statusCode()).isEqualTo(422);
            assertThat(invalid.body()).contains("preferred_channel");

            // an EHR edit of the patient leaves them alone
            Patient edited = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            edited.setGender(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.UNKNOWN);
            EHR.adminClient().update().resource(edited).execute();
            engine.poll();
            assertThat(engine.rows("SELECT communication_preferences FROM portal_patient WHERE source_id = ?", id).get(0)
                    .get("communication_preferences")).isEqualTo(stored);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ? AND gender = 'unknown'", id)).isEqualTo(1);
        }
    }
}
