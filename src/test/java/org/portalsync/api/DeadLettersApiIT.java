package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.RefuseExplodingPatient;
import org.portalsync.sync.TestEngine;

/**
 * GET /api/v1/dead-letters lists what an operator must look at: the dead letters the engine recorded
 * and has not resolved, without the records themselves, and only to a key with dead-letters:read.
 */
class DeadLettersApiIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void listsTheUnresolvedDeadLettersWithoutTheirPayloadToOperatorsOnly() throws Exception {
        long seed = 9601;
        List<String> ids = EHR.seedPatients(6, seed);
        List<String> refused = List.of(ids.get(1), ids.get(4));
        for (String id : refused) {
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            patient.getName().clear();
            patient.addName().setFamily("Explode").addGiven("Eve");
            EHR.adminClient().update().resource(patient).execute();
        }
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed);
            try (TestEngine engine = TestEngine.start(settings)) {
                try (Connection connection = engine.database().getConnection(); Statement statement = connection.createStatement()) {
                    statement.execute("CREATE TRIGGER refuse_exploding BEFORE INSERT ON portal_patient FOR EACH ROW CALL \""
                            + RefuseExplodingPatient.class.getName() + "\"");
                }
                // a poll that fails as a whole, then one that gets through: the first one's dead letter is resolved
                proxy.down();
                assertThat(engine.poll()).contains("poll stopped early");
                proxy.up();
                assertThat(engine.poll()).contains("2 dead-lettered");
                String ops = ApiTestClient.issue(settings, "ops", "dead-letters:read");
                String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write");
                ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

                HttpResponse<String> all = api.get("/api/v1/dead-letters", ops);
                HttpResponse<String> first = api.get("/api/v1/dead-letters?limit=1", ops);
                HttpResponse<String> forbidden = api.get("/api/v1/dead-letters", portal);

                assertThat(all.statusCode()).isEqualTo(200);
                JsonNode body = new ObjectMapper().readTree(all.body());
                assertThat(body.get("total").asLong()).isEqualTo(2);
                assertThat(body.get("dead_letters")).hasSize(2).allSatisfy(letter -> {
                    assertThat(letter.fieldNames()).toIterable().containsExactly("id", "route", "source", "record", "cause_type",
                            "cause_message", "status", "failed_at");
                    assertThat(letter.get("source").asText()).isEqualTo("ehr");
                    assertThat(letter.get("status").asText()).isEqualTo("NEW");
                    assertThat(letter.get("cause_type").asText()).isEqualTo("org.portalsync.portal.PortalDataRejectedException");
                    assertThat(letter.get("cause_message").asText()).contains("SQLSTATE 23513");
                    assertThat(letter.get("failed_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
                });
                assertThat(body.get("dead_letters")).extracting(letter -> letter.get("record").asText())
                        .containsExactlyInAnyOrder("Patient/" + refused.get(0), "Patient/" + refused.get(1));
                assertThat(all.body()).as("the payload (the patient's record) stays in the table").doesNotContain("Explode")
                        .doesNotContain("payload");

                JsonNode one = new ObjectMapper().readTree(first.body());
                assertThat(one.get("total").asLong()).isEqualTo(2);
                assertThat(one.get("dead_letters")).hasSize(1);

                assertThat(forbidden.statusCode()).isEqualTo(403);
                assertThat(forbidden.body()).doesNotContain("Patient/");
            }
        }
    }
}
