package org.portalsync.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnknownSettingsTest {

    private static List<String> problems(Path file, Map<String, String> overrides, Map<String, String> environment,
            Properties system) {
        return UnknownSettings.problems(UnknownSettings.collect(file, overrides, environment, system));
    }

    @Test
    void aMisspeltKeyInTheFileIsNamedWithItsLineAndTheClosestKnownKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("application.properties");
        Files.writeString(file, """
                # a comment
                portal-sync.source.fhir.base-url = https://ehr.example.org/fhir
                camel.main.name = not ours to check
                  portal-sync.source.fhir.page-sise = 200
                """);

        assertThat(problems(file, Map.of(), Map.of(), new Properties())).containsExactly(
                "portal-sync.source.fhir.page-sise is not a known setting; did you mean portal-sync.source.fhir.page-size? ("
                        + file + " line 4)");
    }

    @Test
    void environmentVariablesMapBackToKnownKeysAndAnUnknownOneNamesTheClosestVariableAndItsKey() {
        Map<String, String> environment = Map.of(
                "PORTAL_SYNC_DB_URL", "jdbc:postgresql://db/portal",
                "PORTAL_SYNC_SOURCE_FHIR_AUTH_CLIENT_SECRET", "s",
                "PORTAL_SYNC_DRY_RUN_REPORT_DIR", "/reports",
                "PORTAL_SYNC_SOURCE_FHIR_PAGE_SISE", "200",
                "PATH", "/usr/bin");

        assertThat(problems(Path.of("no-such-file"), Map.of(), environment, new Properties())).containsExactly(
                "environment variable PORTAL_SYNC_SOURCE_FHIR_PAGE_SISE is not a known setting; did you mean "
                        + "PORTAL_SYNC_SOURCE_FHIR_PAGE_SIZE (portal-sync.source.fhir.page-size)?");
    }

    @Test
    void systemPropertiesAndOverridesAreCheckedToo() {
        Properties system = new Properties();
        system.setProperty("java.version", "17");
        system.setProperty("portal-sync.db.pool-sise", "9");
        Map<String, String> overrides = Map.of(PortalSyncSettings.DRY_RUN, "true", "portal-sync.welcome.enable", "true");

        assertThat(problems(Path.of("no-such-file"), overrides, Map.of(), system)).containsExactly(
                "portal-sync.welcome.enable is not a known setting; did you mean portal-sync.welcome.enabled? (override)",
                "portal-sync.db.pool-sise is not a known setting; did you mean portal-sync.db.pool-size? (system property)");
    }

    @Test
    void theShippedFileHoldsOnlyKnownKeys() {
        assertThat(problems(Path.of("config/application.properties"), Map.of(), Map.of(), new Properties())).isEmpty();
    }

    @Test
    void distanceCountsSingleCharacterEdits() {
        assertThat(UnknownSettings.distance("page-sise", "page-size")).isEqualTo(1);
        assertThat(UnknownSettings.distance("", "abc")).isEqualTo(3);
        assertThat(UnknownSettings.distance("kitten", "sitting")).isEqualTo(3);
    }
}
