package org.portalsync.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.testing.EngineProcess;
import org.portalsync.testing.FreePorts;

/**
 * A 202 means stored: every notification the engine answered 202 is in the webhook inbox after the engine's process is
 * killed right after (kill -9). The resources are handed over before the answer waits for the disk
 * (routes/webhooks.yaml), so this is what holds the route to its last step on the embedded H2 file database, which
 * would by itself keep the last half second of commits in memory.
 */
class AcceptedNotificationsSurviveAKilledEngineIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final Pattern INBOX_ID = Pattern.compile("\"inbox_id\":(\\d+)");

    @Test
    void everyNotificationAnswered202IsInTheInboxAfterTheEngineIsKilled() throws Exception {
        long seed = 11142;
        Path dir = Files.createDirectories(Path.of("target/killed-engine-" + System.nanoTime()).toAbsolutePath());
        int port = FreePorts.next();
        Map<String, String> settings = WebhookIT.webhookSettings(EHR.fhirBaseUrl(), seed, WebhookTestClient.SECRET);
        String url = EngineProcess.inFolder(settings, dir);
        settings.put(PortalSyncSettings.API_PORT, String.valueOf(port));
        int senders = 4;
        int perSender = 75;
        List<Long> answered = new ArrayList<>();
        Process engine = EngineProcess.startListening(settings, port, dir.resolve("engine.log"));
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            WebhookTestClient client = new WebhookTestClient("http://127.0.0.1:" + port, "ehr");
            // the server accepts connections a moment before the webhook route is on it (503 meanwhile): one notification
            // first, until it is taken
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (client.post(WebhookTestClient.idOnly("Patient", "killed-" + seed + "-first"), Instant.now(), "killed-" + seed + "-first-"
                    + System.nanoTime(), WebhookTestClient.SECRET).statusCode() != 202 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<Future<List<Long>>> sent = new ArrayList<>();
            for (int sender = 0; sender < senders; sender++) {
                int first = sender * perSender;
                // patients the EHR does not hold: their sync ends as a data-quality row, the inbox row stays
                sent.add(pool.submit(() -> {
                    List<Long> ids = new ArrayList<>();
                    for (int n = first; n < first + perSender; n++) {
                        HttpResponse<String> response = client.post(WebhookTestClient.idOnly("Patient", "killed-" + seed + "-" + n),
                                Instant.now(), "killed-" + seed + "-" + n, WebhookTestClient.SECRET);
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                        Matcher id = INBOX_ID.matcher(response.body());
                        assertThat(id.find()).as(response.body()).isTrue();
                        ids.add(Long.parseLong(id.group(1)));
                    }
                    return ids;
                }));
            }
            for (Future<List<Long>> each : sent) {
                answered.addAll(each.get());
            }
        } finally {
            // right after the last 202: the last notifications were committed just before
            engine.destroyForcibly().waitFor();
            pool.shutdownNow();
        }

        assertThat(answered).as("every notification answered 202").hasSize(senders * perSender);
        Set<Long> stored = new HashSet<>();
        // opening a database its process left unclosed may take H2 a while (it makes sure the lock is stale)
        try (PortalDatabase database = PortalDatabase.open(url, "sa", "", 2, java.time.Duration.ofSeconds(60))) {
            database.inTransaction(connection -> {
                try (var select = connection.prepareStatement("SELECT id FROM webhook_inbox"); var rows = select.executeQuery()) {
                    while (rows.next()) {
                        stored.add(rows.getLong(1));
                    }
                }
                return null;
            });
        }
        assertThat(answered).as("answered 202 but not in the inbox after the kill").filteredOn(id -> !stored.contains(id)).isEmpty();
    }
}
