package org.portalsync.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;

/** A broken setting or route file stops start-up with one message that names the file and the key or line. */
class StartupErrorsIT {

    private static Map<String, String> valid(Path dir) {
        Map<String, String> settings = new HashMap<>();
        settings.put(PortalSyncSettings.FHIR_BASE_URL, "http://127.0.0.1:9/fhir");
        settings.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, "urn:oid:2.16.840.1.113883.3.4424.1");
        settings.put(PortalSyncSettings.DB_URL, "jdbc:h2:mem:startup-" + System.nanoTime());
        settings.put(PortalSyncSettings.FHIR_POLL_TRIGGER, PortalSyncMain.POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, dir.resolve("cluster").toString());
        // any free port: other test runs on this host may hold the default one
        settings.put(PortalSyncSettings.API_PORT, "0");
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
    void plainHttpToAnEhrOnAnotherHostStopsStartUpUnlessAllowed(@TempDir Path dir) {
        Map<String, String> settings = valid(dir);
        settings.put(PortalSyncSettings.FHIR_BASE_URL, "http://ehr.invalid:8080/fhir");

        assertThat(startupError(settings)).contains("config/application.properties")
                .contains("portal-sync.source.fhir.base-url='http://ehr.invalid:8080/fhir' is invalid: expected an https:// URL")
                .contains("portal-sync.source.fhir.allow-insecure-http=true");

        settings.put(PortalSyncSettings.FHIR_ALLOW_INSECURE_HTTP, "true");
        assertThat(startupError(settings)).isNull();
    }

    @Test
    void theShippedRoutesAndSettingsStart(@TempDir Path dir) {
        assertThat(startupError(valid(dir))).isNull();
    }

    @Test
    void noSecretReachesTheLogAtStartUp(@TempDir Path dir) {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try {
            Map<String, String> settings = valid(dir);
            settings.put(PortalSyncSettings.AUTH_TOKEN_URL, "http://127.0.0.1:9/token");
            settings.put(PortalSyncSettings.AUTH_CLIENT_ID, "portal");
            settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, "Client-Secret-Value-7781");
            settings.put(PortalSyncSettings.WELCOME_ENDPOINT, "smtp://127.0.0.1:9?password=RAW(Mail-Password-5512)");
            settings.put(PortalSyncSettings.DB_PASSWORD, "Db-Password-3390");

            assertThat(startupError(settings)).isNull();
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).allSatisfy(event -> assertThat(event.getFormattedMessage())
                .doesNotContain("Client-Secret-Value").doesNotContain("Mail-Password").doesNotContain("Db-Password"));
    }

    @Test
    void anUnknownKeyStopsStartUpNamingTheClosestKnownKeyWithEveryOtherMistake(@TempDir Path dir) {
        Map<String, String> settings = valid(dir);
        settings.put("portal-sync.source.fhir.page-sise", "200");
        settings.put(PortalSyncSettings.FHIR_POLL_OVERLAP, "soon");

        String error = startupError(settings);

        assertThat(error).contains("portal-sync.source.fhir.page-sise is not a known setting; "
                + "did you mean portal-sync.source.fhir.page-size?")
                .contains("portal-sync.source.fhir.poll-overlap='soon' is invalid");
    }

    @Test
    void anUnknownSystemPropertyStopsStartUp(@TempDir Path dir) {
        System.setProperty("portal-sync.source.fhir.read-timeuot", "30s");
        try {
            assertThat(startupError(valid(dir))).contains("portal-sync.source.fhir.read-timeuot is not a known setting; "
                    + "did you mean portal-sync.source.fhir.read-timeout? (system property)");
        } finally {
            System.clearProperty("portal-sync.source.fhir.read-timeuot");
        }
    }

    @Test
    void withoutTheMrnSystemStartUpSaysWhatToSet(@TempDir Path dir) {
        Map<String, String> settings = valid(dir);
        settings.remove(PortalSyncSettings.MAPPING_MRN_SYSTEM);

        assertThat(startupError(settings)).contains("portal-sync.mapping.mrn-system is required")
                .contains("Patient.identifier.system").contains("PORTAL_SYNC_MAPPING_MRN_SYSTEM");
    }

    @Test
    void environmentStyleNamesAreDerivedFromKeys() {
        assertThatThrownBy(() -> PortalSyncMain.create(Map.of()).start()).hasMessageContaining("PORTAL_SYNC_SOURCE_FHIR_BASE_URL");
    }
}
