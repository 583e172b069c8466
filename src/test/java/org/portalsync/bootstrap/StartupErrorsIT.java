package org.portalsync.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;

/** A broken setting or route file stops start-up with one message that names the file and the key or line. */
class StartupErrorsIT {

    private static Map<String, String> valid(Path dir) {
        Map<String, String> settings = new HashMap<>();
        settings.put(PortalSyncSettings.FHIR_BASE_URL, "http://127.0.0.1:9/fhir");
        settings.put(PortalSyncSettings.DB_URL, "jdbc:h2:mem:startup-" + System.nanoTime());
        settings.put(PortalSyncSettings.FHIR_POLL_TRIGGER, PortalSyncMain.POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, dir.resolve("cluster").toString());
        return settings;
    }

    private static String startupError(Map<String, String> settings) {
        Main main = PortalSyncMain.create(settings);
        try {
            main.start();
            main.stop();
            return null;
        } catch (Exception e) {
            return PortalSyncMain.rootMessage(e);
        }
    }

    @Test
    void invalidSettingsNameTheFileTheKeyAndTheExpectedValue(@TempDir Path dir) {
        Map<String, String> settings = valid(dir);
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "-5");
        settings.put(PortalSyncSettings.FHIR_POLL_OVERLAP, "soon");

        String error = startupError(settings);

        assertThat(error).contains("config/application.properties")
                .contains("portal-sync.source.fhir.page-size='-5' is invalid: expected a whole number above 0")
                .contains("portal-sync.source.fhir.poll-overlap='soon' is invalid");
    }

    @Test
    void brokenRouteFileNamesTheFileAndLine(@TempDir Path dir) throws Exception {
        Path route = dir.resolve("broken-route.yaml");
        Files.writeString(route, """
                - route:
                    id: broken-route
                    from:
                      uri: direct:broken
                      steps:
                        - process:
                            reff: nothing
                """);
        Map<String, String> settings = valid(dir);
        settings.put("camel.main.routes-include-pattern", "file:" + route);

        String error = startupError(settings);

        assertThat(error).contains("broken-route.yaml").contains("line 7");
    }

    @Test
    void theShippedRoutesAndSettingsStart(@TempDir Path dir) {
        assertThat(startupError(valid(dir))).isNull();
    }

    @Test
    void environmentStyleNamesAreDerivedFromKeys() {
        assertThatThrownBy(() -> PortalSyncMain.create(Map.of()).start()).hasMessageContaining("PORTAL_SYNC_SOURCE_FHIR_BASE_URL");
    }
}
