package org.portalsync.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * The engine reads its settings and routes from its home and writes its data there, not in the
 * working directory (the tests' working directory is the project, which is not the home here).
 */
class PortalSyncHomeIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    /** A home as an operator installs it: the shipped config/ and routes/, no data/ yet. */
    static Path installHome(Path home) throws IOException {
        for (String folder : new String[] {"config", "routes"}) {
            Files.createDirectories(home.resolve(folder));
            try (Stream<Path> files = Files.list(Path.of(folder))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, home.resolve(folder).resolve(file.getFileName()));
                }
            }
        }
        return home;
    }

    @Test
    void theEngineKeepsItsDatabaseAndReportsInTheHomesDataFolder(@TempDir Path dir) throws Exception {
        long seed = 7811;
        EHR.seedPatients(4, seed);
        Path home = installHome(dir.resolve("portal-sync"));
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        // the shipped defaults: ./data/portal, data/reports, data/cluster
        settings.remove(PortalSyncSettings.DB_URL);
        settings.remove(PortalSyncSettings.DB_USER);
        settings.remove(PortalSyncSettings.DRY_RUN_REPORT_DIR);
        settings.remove(PortalSyncSettings.CLUSTER_LOCK_DIR);
        settings.put(PortalSyncSettings.HOME, home.toString());
        settings.put(PortalSyncSettings.DRY_RUN, "true");

        String summary = PortalSyncMain.runOnce(settings);

        assertThat(summary).contains("Synced 4 patients").contains("report: " + home.resolve("data/reports"));
        assertThat(home.resolve("data/portal.mv.db")).isRegularFile();
        try (Stream<Path> reports = Files.list(home.resolve("data/reports"))) {
            assertThat(reports.map(p -> p.getFileName().toString())).singleElement().asString().startsWith("dry-run-");
        }
    }

    @Test
    void aHomeWithoutSettingsStopsStartUpNamingTheHome(@TempDir Path dir) {
        Path home = dir.resolve("not-installed");

        assertThatThrownBy(() -> PortalSyncMain.create(Map.of(PortalSyncSettings.HOME, home.toString())))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("No config/application.properties in the portal-sync home " + home);
    }

    @Test
    void theHomeSetInTheSettingsFileIsRejectedForItCannotWork(@TempDir Path dir) throws Exception {
        Path home = installHome(dir.resolve("portal-sync"));
        Files.writeString(home.resolve(PortalSyncMain.CONFIG_FILE), "\nportal-sync.home = /elsewhere\n",
                java.nio.file.StandardOpenOption.APPEND);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, "http://127.0.0.1:9/fhir", "h2", 7812));
        settings.put(PortalSyncSettings.HOME, home.toString());

        assertThatThrownBy(() -> TestEngine.start(settings).close())
                .satisfies(e -> assertThat(PortalSyncMain.rootMessage(e)).contains("portal-sync.home has no effect in the settings file ("
                        + home.resolve(PortalSyncMain.CONFIG_FILE) + " line "));
    }
}
