package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.testing.EngineProcess;
import org.portalsync.testing.FreePorts;

/**
 * The engine's server accepts connections before its webhook route has joined it, and still for a moment after the
 * route has left it at shutdown. A notification sent then must be answered 503 with Retry-After (the EHR sends it
 * again), never 404, which an EHR takes as "wrong URL" and may not retry. Notifications are sent back to back from the
 * moment the port opens until one is taken, and again from the engine's SIGTERM until the port closes.
 */
class WebhookWhileStartingAndStoppingIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void aNotificationSentWhileTheRouteIsNotOnTheServerIsAnswered503WithRetryAfter() throws Exception {
        long seed = 11143;
        Path dir = Files.createDirectories(Path.of("target/starting-engine-" + System.nanoTime()).toAbsolutePath());
        int port = FreePorts.next();
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        EngineProcess.inFolder(settings, dir);
        settings.put(PortalSyncSettings.API_PORT, String.valueOf(port));
        WebhookTestClient client = new WebhookTestClient("http://127.0.0.1:" + port, "ehr");
        List<HttpResponse<String>> beforeTaken = new ArrayList<>();
        List<HttpResponse<String>> whileStopping = new ArrayList<>();
        Process engine = EngineProcess.startListening(settings, port, dir.resolve("engine.log"));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int sent = 0;
            HttpResponse<String> answer;
            do {
                answer = notify(client, "starting-" + seed + "-" + sent);
                sent++;
                if (answer.statusCode() != 202) {
                    beforeTaken.add(answer);
                }
            } while (answer.statusCode() != 202 && System.nanoTime() < deadline);
            assertThat(answer.statusCode()).as("a notification taken within a minute: %s", answer.body()).isEqualTo(202);

            engine.destroy();
            while (engine.isAlive()) {
                try {
                    answer = notify(client, "stopping-" + seed + "-" + sent);
                    sent++;
                    if (answer.statusCode() != 202) {
                        whileStopping.add(answer);
                    }
                } catch (IOException closed) {
                    // the server has closed its port: a client sees a refused connection and tries again
                    break;
                }
            }
            assertThat(engine.waitFor(60, TimeUnit.SECONDS)).as("the engine stops on SIGTERM").isTrue();
        } finally {
            engine.destroyForcibly().waitFor();
        }

        System.out.printf("answered 503 while starting: %d, while stopping: %d%n", beforeTaken.size(), whileStopping.size());
        assertAnsweredToComeBack("while starting", beforeTaken);
        assertAnsweredToComeBack("while stopping", whileStopping);
    }

    /** A patient the EHR does not hold: its sync ends as a data-quality row. */
    private static HttpResponse<String> notify(WebhookTestClient client, String patientId) throws Exception {
        return client.post(WebhookTestClient.idOnly("Patient", patientId), Instant.now(), patientId, WebhookTestClient.SECRET);
    }

    private static void assertAnsweredToComeBack(String when, List<HttpResponse<String>> refused) {
        for (HttpResponse<String> answer : refused) {
            String described = when + ": " + answer.statusCode() + " " + answer.headers().map() + " " + answer.body();
            assertThat(answer.statusCode()).as(described).isEqualTo(503);
            assertThat(answer.headers().firstValue("Retry-After")).as(described).hasValue("1");
            assertThat(answer.body()).as(described).contains("\"error\":\"unavailable\"");
        }
    }
}
