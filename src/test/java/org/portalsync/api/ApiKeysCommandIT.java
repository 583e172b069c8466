package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * The operator's command issues and revokes keys in the database of the engine's home, found as the
 * engine finds it; the key it prints is the one the engine then accepts, until it is revoked.
 */
class ApiKeysCommandIT {

    /** A home as an operator has it: the routes, config/application.properties with the default H2 file database. */
    private static Path home(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.createDirectories(dir.resolve("routes"));
        for (String folder : new String[] {"routes", "config"}) {
            try (var files = Files.list(Path.of(folder))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, dir.resolve(folder).resolve(file.getFileName()));
                }
            }
        }
        Files.writeString(dir.resolve("config/application.properties"), """
                portal-sync.source.fhir.base-url = http://127.0.0.1:9/fhir
                portal-sync.mapping.mrn-system = urn:oid:2.16.840.1.113883.3.4424.1
                portal-sync.db.url = jdbc:h2:file:./data/portal;AUTO_SERVER=TRUE
                """);
        return dir;
    }

    @Test
    void aKeyTheCommandIssuesInTheHomesDatabaseOpensTheApiUntilItIsRevoked(@TempDir Path dir) throws Exception {
        Path home = home(dir);
        Map<String, String> command = Map.of(PortalSyncSettings.HOME, home.toString());

        String printed = ApiTestClient.command(command, 0, "create", "--client", "ops", "--scope", "dead-letters:read",
                "--scope", "authority:read");
        String key = ApiTestClient.issue(command, "portal", "patient-changes:write");

        assertThat(printed).contains("API key of client 'ops' (scopes: authority:read dead-letters:read):")
                .contains("shown only this once");
        assertThat(home.resolve("data/portal.mv.db")).as("the home's database, not the working directory's").exists();
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.remove(PortalSyncSettings.DB_URL);
        settings.put(PortalSyncSettings.HOME, home.toString());
        try (TestEngine engine = TestEngine.start(settings)) {
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            String ops = printed.lines().filter(line -> line.startsWith("ops.")).findFirst().orElseThrow();
            assertThat(api.get("/api/v1/dead-letters", ops).statusCode()).isEqualTo(200);
            assertThat(api.get("/api/v1/dead-letters", key).statusCode()).isEqualTo(403);

            assertThat(ApiTestClient.command(command, 0, "revoke", "--client", "ops")).contains("Revoked the key of client 'ops'");

            assertThat(api.get("/api/v1/dead-letters", ops).statusCode()).isEqualTo(401);
            assertThat(ApiTestClient.command(command, 0, "list")).contains("ops  scopes: authority:read dead-letters:read")
                    .contains("revoked: ").contains("portal  scopes: patient-changes:write").doesNotContain(ops.substring(4));
            assertThat(engine.rows("SELECT actor, action, resource FROM audit_event WHERE action LIKE 'ApiClient.%' ORDER BY id"))
                    .extracting(row -> row.get("actor") + " " + row.get("action") + " " + row.get("resource"))
                    .containsExactly("os:" + System.getProperty("user.name") + " ApiClient.create api_client/ops",
                            "os:" + System.getProperty("user.name") + " ApiClient.create api_client/portal",
                            "os:" + System.getProperty("user.name") + " ApiClient.revoke api_client/ops");
        }
    }

    @Test
    void aValidKeyIsNotReplacedAndARevokedClientGetsANewOne(@TempDir Path dir) throws Exception {
        Map<String, String> command = Map.of(PortalSyncSettings.HOME, home(dir).toString());
        String first = ApiTestClient.issue(command, "portal", "patient-changes:write");

        assertThat(ApiTestClient.command(command, 1, "create", "--client", "portal", "--scope", "patient-changes:write"))
                .contains("client 'portal' already has a valid key; revoke it first");
        ApiTestClient.command(command, 0, "revoke", "--client", "portal");
        assertThat(ApiTestClient.command(command, 1, "revoke", "--client", "portal")).contains("nothing revoked");
        String second = ApiTestClient.issue(command, "portal", "patient-changes:read");

        assertThat(second).isNotEqualTo(first).startsWith("portal.");
        assertThat(ApiTestClient.command(command, 0, "list")).contains("portal  scopes: patient-changes:read  created: ")
                .doesNotContain("revoked");
    }

    @Test
    void aWrongCommandLineSaysHowToUseItAndChangesNothing(@TempDir Path dir) throws Exception {
        Map<String, String> command = Map.of(PortalSyncSettings.HOME, home(dir).toString());

        assertThat(ApiTestClient.command(command, 2, "create", "--client", "portal")).contains("create needs at least one --scope")
                .contains("Usage:").contains("patient-changes:write patient-changes:read authority:read dead-letters:read");
        assertThat(ApiTestClient.command(command, 2, "create", "--client", "portal", "--scope", "everything"))
                .contains("unknown API scope 'everything'");
        assertThat(ApiTestClient.command(command, 2, "create", "--client", "Front Desk", "--scope", "authority:read"))
                .contains("a client id is 1 to 64 lower-case letters");
        assertThat(ApiTestClient.command(command, 2, "rotate", "--client", "portal")).contains("Unknown command 'rotate'");
        assertThat(ApiTestClient.command(command, 0, "list")).isEmpty();
    }

    @Test
    void aMisspeltSettingStopsTheCommandBeforeItTouchesADatabase(@TempDir Path dir) throws Exception {
        Path home = home(dir);
        Files.writeString(home.resolve("config/application.properties"), "portal-sync.db.ulr = jdbc:h2:mem:elsewhere\n",
                java.nio.file.StandardOpenOption.APPEND);

        assertThat(ApiTestClient.command(Map.of(PortalSyncSettings.HOME, home.toString()), 1, "list"))
                .contains("portal-sync.db.ulr").contains("did you mean portal-sync.db.url?");
        assertThat(home.resolve("data")).doesNotExist();
    }
}
