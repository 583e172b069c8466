package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.EngineProcess;
import org.portalsync.testing.FreePorts;

/**
 * An AA means stored: what the listener answered AA is in the portal database after the engine's process is killed
 * right after (kill -9: no shutdown, nothing written on the way out). The embedded H2 file database, the engine's
 * default, would by itself keep the last half second of commits in memory.
 */
class AckedMessagesSurviveAKilledEngineIT {

    @Test
    void everyMessageAnsweredAaIsInTheInboxAfterTheEngineIsKilled() throws Exception {
        long seed = 11141;
        Path dir = Files.createDirectories(Path.of("target/killed-engine-" + System.nanoTime()).toAbsolutePath());
        int port = FreePorts.next();
        Map<String, String> settings = TestEngine.settingsWithoutEhr("h2");
        String url = EngineProcess.inFolder(settings, dir);
        settings.put(PortalSyncSettings.HL7V2_MLLP_ENABLED, "true");
        settings.put(PortalSyncSettings.HL7V2_MLLP_PORT, String.valueOf(port));
        settings.put(PortalSyncSettings.API_PORT, "0");
        List<AdtBurst.Sent> answers;
        AdtBurst burst = new AdtBurst(150, 2, 4, seed);
        Process engine = EngineProcess.startListening(settings, port, dir.resolve("engine.log"));
        try {
            // messages are answered up to the moment the process dies: the last ones were committed just before
            answers = burst.send(port);
        } finally {
            engine.destroyForcibly().waitFor();
        }

        List<String> answeredAa = answers.stream().filter(sent -> "AA".equals(sent.ackCode())).map(AdtBurst.Sent::controlId).toList();
        assertThat(answeredAa).as("every message of the burst answered AA").hasSize(burst.messages());
        Set<String> stored = new HashSet<>();
        // opening a database its process left unclosed may take H2 a while (it makes sure the lock is stale)
        try (PortalDatabase database = PortalDatabase.open(url, "sa", "", 2, java.time.Duration.ofSeconds(60))) {
            database.inTransaction(connection -> {
                try (var select = connection.prepareStatement("SELECT control_id FROM legacy_inbox WHERE sender = ?")) {
                    select.setString(1, AdtBurst.SENDING_APPLICATION + "^" + AdtBurst.SENDING_FACILITY);
                    try (var rows = select.executeQuery()) {
                        while (rows.next()) {
                            stored.add(rows.getString(1));
                        }
                    }
                }
                return null;
            });
        }
        assertThat(answeredAa).as("answered AA but not in the inbox after the kill")
                .filteredOn(controlId -> !stored.contains(controlId)).isEmpty();
    }
}
