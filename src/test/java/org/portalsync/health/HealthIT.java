package org.portalsync.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * The engine's health over HTTP, as an orchestrator probes it: ready (200) while the portal database, the
 * EHR and its token answer; not ready (503), naming what failed, when one does; alive all the while.
 */
class HealthIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String READY = "/observe/health/ready";
    private static final String LIVE = "/observe/health/live";
    private static final String FULL = "?exposureLevel=full&data=true";

    @Test
    void notReadyNamingTheEhrWhileTheProxyInFrontOfItRefuses() throws Exception {
        long seed = 10653;
        EHR.seedPatients(3, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
            settings.put(PortalSyncSettings.HEALTH_PROBE_INTERVAL, "100");
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.poll();
                HttpResponse<String> ready = get(engine, READY + FULL);
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
                assertThat(ready.body()).contains("\"name\":\"portal-db\",\"status\":\"UP\"").contains("\"name\":\"ehr-ehr\",\"status\":\"UP\"")
                        .contains("\"name\":\"ehr-ehr-token\",\"status\":\"UP\"").contains("\"token\":\"obtainable\"")
                        .contains("\"name\":\"schedules\",\"status\":\"UP\"");

                proxy.down();
                await(() -> get(engine, READY).statusCode() == 503);

                HttpResponse<String> refused = get(engine, READY);
                assertThat(refused.body()).contains("\"status\":\"DOWN\"").contains("\"name\":\"ehr-ehr\"").contains("EHR ehr at 127.0.0.1")
                        .contains("cannot be reached").doesNotContain("portal-db");
                assertThat(get(engine, LIVE).statusCode()).as("a restart does not bring the EHR back").isEqualTo(200);
                assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Health.probe' AND result LIKE 'unreachable%'"))
                        .as("the probe is an outbound request like any other").isPositive();

                proxy.up();
                await(() -> get(engine, READY).statusCode() == 200);
            }
        }
    }

    @Test
    void notReadyWhileThePortalDatabaseIsDown() throws Exception {
        long seed = 10654;
        Path data = Path.of("target", "health-database-" + System.nanoTime()).toAbsolutePath().resolve("pgdata");
        int port = FreePorts.next();
        EmbeddedPostgres postgres = start(data, port);
        try {
            Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
            settings.put(PortalSyncSettings.DB_URL, postgres.getJdbcUrl("postgres", "postgres"));
            settings.put(PortalSyncSettings.DB_USER, "postgres");
            settings.put(PortalSyncSettings.DB_CONNECTION_TIMEOUT, "500");
            try (TestEngine engine = TestEngine.start(settings)) {
                assertThat(get(engine, READY).statusCode()).isEqualTo(200);

                postgres.close();

                HttpResponse<String> down = get(engine, READY);
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.body()).contains("\"name\":\"portal-db\",\"status\":\"DOWN\"").contains("the portal database cannot be reached");
                assertThat(get(engine, LIVE).statusCode()).isEqualTo(200);
                // the API cannot look up a key or store anything: the client is told to come back, not that the engine broke
                HttpResponse<String> api = org.portalsync.testing.TestHttp.client().send(HttpRequest.newBuilder(
                                URI.create(engine.apiBaseUrl() + "/api/v1/authority")).header(org.portalsync.api.ApiHeaders.API_KEY, org.portalsync.api.ApiKey.generate("portal"))
                        .timeout(org.portalsync.testing.TestHttp.REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(api.statusCode()).as(api.body()).isEqualTo(503);
                assertThat(api.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(api.body()).contains("\"error\":\"unavailable\"").contains("nothing was stored");

                postgres = start(data, port);
                await(() -> get(engine, READY).statusCode() == 200);
            }
        } finally {
            postgres.close();
        }
    }

    @Test
    void theTokenStatusIsDownWhileTheTokenEndpointRefusesTheEnginesClient() throws Exception {
        long seed = 10655;
        String wrongSecret = "wrong-secret-10655-Qx7";
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, wrongSecret);
        try (TestEngine engine = TestEngine.start(settings)) {
            HttpResponse<String> ready = get(engine, READY + FULL);

            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"name\":\"ehr-ehr-token\",\"status\":\"DOWN\"").contains("\"token\":\"auth-failing\"")
                    .contains("authentication failing").contains("\"name\":\"ehr-ehr\",\"status\":\"UP\"")
                    .doesNotContain(wrongSecret).doesNotContain(wrongSecret.substring(wrongSecret.length() - 4) + "\"");

            // a client asking a plain-HTTP server for HTTP/2 (h2c, the JDK client's default) is answered in HTTP/1.1, by both servers
            HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            for (String url : List.of(engine.managementBaseUrl() + READY, engine.apiBaseUrl() + "/api/v1/authority")) {
                HttpResponse<String> answer = http2.send(HttpRequest.newBuilder(URI.create(url)).timeout(org.portalsync.testing.TestHttp.REQUEST_TIMEOUT)
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.version()).as(url).isEqualTo(HttpClient.Version.HTTP_1_1);
            }
        }
    }

    private static HttpResponse<String> get(TestEngine engine, String path) throws Exception {
        return org.portalsync.testing.TestHttp.client().send(HttpRequest.newBuilder(URI.create(engine.managementBaseUrl() + path))
                        .timeout(org.portalsync.testing.TestHttp.REQUEST_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void await(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 60 s");
            }
            Thread.sleep(200);
        }
    }

    private static EmbeddedPostgres start(Path data, int port) throws java.io.IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }
}
