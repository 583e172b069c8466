package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * The appointment reconciliation's API over real HTTP: operators start a run and read the latest report with their own
 * scopes, never a portal's key; a run asked for while one is going is refused (409), so runs never overlap; a run the
 * EHR fails is marked failed and does not block the next; a request's headers cannot choose the repair.
 */
class ReconciliationApiIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void operatorsRunAndReadTheReportAndASecondRunWhileOneIsGoingIsRefused() throws Exception {
        long seed = 10357;
        EHR.seedPatients(3, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed);
            try (TestEngine engine = TestEngine.start(settings)) {
                String reader = ApiTestClient.issue(settings, "front-desk", "reconciliation:read");
                String runner = ApiTestClient.issue(settings, "ops", "reconciliation:run", "reconciliation:read");
                String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
                ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

                assertThat(api.get("/api/v1/reconciliation/appointments/latest", reader).statusCode()).as("before the first run").isEqualTo(404);
                assertThat(api.send(post(api, runner)).statusCode()).isEqualTo(200);
                assertThat(api.send(post(api, reader)).statusCode()).as("reading is not running").isEqualTo(403);
                assertThat(api.get("/api/v1/reconciliation/appointments/latest", portal).statusCode()).as("a portal's key").isEqualTo(403);

                // a slow EHR keeps the first run going while the second is asked for
                proxy.delayAll(Duration.ofSeconds(2));
                CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                    try {
                        return api.send(post(api, runner));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                Thread.sleep(500);
                HttpResponse<String> second = api.send(post(api, runner));
                assertThat(second.statusCode()).isEqualTo(409);
                assertThat(JSON.readTree(second.body()).get("error").asText()).isEqualTo("reconciliation_running");
                assertThat(first.get().statusCode()).isEqualTo(200);
                proxy.delayAll(Duration.ZERO);

                // an EHR that does not answer: the run fails, says so, and the next one may start
                proxy.down();
                assertThat(api.send(post(api, runner)).statusCode()).isEqualTo(500);
                proxy.up();
                assertThat(engine.rows("SELECT status, failure FROM reconciliation_run WHERE id = 3").get(0)).containsEntry("status", "failed")
                        .containsEntry("failure", "org.portalsync.source.fhir.EhrUnavailableException");
                assertThat(api.send(post(api, runner)).statusCode()).isEqualTo(200);

                HttpResponse<String> latest = api.get("/api/v1/reconciliation/appointments/latest", reader);
                assertThat(latest.statusCode()).isEqualTo(200);
                JsonNode report = JSON.readTree(latest.body());
                assertThat(report.get("status").asText()).isEqualTo("completed");
                assertThat(report.get("repair").asBoolean()).as("the header of the request did not choose it").isFalse();
                assertThat(report.get("window_zone").asText()).isEqualTo("UTC");
                assertThat(report.get("discrepancies")).isEmpty();
                assertThat(engine.rows("SELECT status FROM reconciliation_run ORDER BY id").stream().map(row -> row.get("status")).toList())
                        .as("the refused run left no row").isEqualTo(List.of("completed", "completed", "failed", "completed"));
            }
        }
    }

    private static HttpRequest post(ApiTestClient api, String key) {
        return api.request("/api/v1/reconciliation/appointments/runs", key).header("PortalSyncReconciliationRepair", "true")
                .POST(HttpRequest.BodyPublishers.noBody()).build();
    }
}
