package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.alert.AlertDeliveryIT.await;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * The real PostgreSQL portal database stops: the PORTAL_DB_DOWN alert, which that database cannot hold,
 * goes out through the chat webhook from memory, once however long it lasts, and its recovery follows
 * when the database is back.
 */
class DatabaseOutageAlertIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void theDatabaseDownAlertIsSentFromMemoryOnceAndItsRecoveryWhenTheDatabaseIsBack() throws Exception {
        long seed = 10541;
        Path data = Path.of("target", "database-outage-alert-" + System.nanoTime()).toAbsolutePath().resolve("pgdata");
        int port = FreePorts.next();
        EmbeddedPostgres postgres = start(data, port);
        try (ChatWebhookEndpoint webhook = new ChatWebhookEndpoint()) {
            Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
            settings.put(PortalSyncSettings.DB_URL, postgres.getJdbcUrl("postgres", "postgres"));
            settings.put(PortalSyncSettings.DB_USER, "postgres");
            settings.put(PortalSyncSettings.DB_CONNECTION_TIMEOUT, "500");
            settings.put(PortalSyncSettings.ALERT_INTERVAL, "200");
            settings.put(PortalSyncSettings.ALERT_WEBHOOK_URL, webhook.url());
            try (TestEngine engine = TestEngine.start(settings)) {
                postgres.close();

                await(() -> webhook.bodies().size() == 1);
                // the alert route finds the database down on every run: it stays one alert
                Thread.sleep(3_000);
                assertThat(webhook.bodies()).singleElement().satisfies(body -> assertThat(body).contains("\"kind\":\"PORTAL_DB_DOWN\"")
                        .contains("\"notice\":\"ALERT\"").contains("\"alertId\":null").contains("\"source\":\"portal-db\""));

                postgres = start(data, port);

                await(() -> webhook.bodies().size() == 2);
                assertThat(webhook.bodies().get(1)).contains("\"kind\":\"PORTAL_DB_DOWN\"").contains("\"notice\":\"RECOVERED\"");
                Thread.sleep(1_000);
                assertThat(webhook.bodies()).hasSize(2);
            }
        } finally {
            postgres.close();
        }
    }

    private static EmbeddedPostgres start(Path data, int port) throws java.io.IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }
}
