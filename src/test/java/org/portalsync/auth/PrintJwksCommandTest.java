package org.portalsync.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;

/** The JWKS an operator hands to the EHR: the public halves of the configured key file, nothing private. */
class PrintJwksCommandTest {

    @TempDir
    Path home;

    @Test
    void printsThePublicJwksOfTheConfiguredKeyFile() throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/application.properties"), """
                portal-sync.source.fhir.auth.client-id = portal-sync
                portal-sync.source.fhir.auth.method = private_key_jwt
                portal-sync.source.fhir.auth.private-key-file = config/engine-key.json
                """);
        JWK old = TestKeys.rsa("2025");
        JWK next = TestKeys.ec("2026");
        TestKeys.writeJwks(home.resolve("config/engine-key.json"), old, next);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = PrintJwksCommand.run(List.of(), Map.of(PortalSyncSettings.HOME, home.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isZero();
        JWKSet printed = JWKSet.parse(out.toString(StandardCharsets.UTF_8));
        assertThat(printed.getKeys()).extracting(JWK::getKeyID).containsExactly("2025", "2026");
        assertThat(printed.getKeys()).noneMatch(JWK::isPrivate);
        assertThat(printed.getKeyByKeyId("2026").toJSONObject()).isEqualTo(next.toPublicJWK().toJSONObject());
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("\"d\"");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("kid '2026'").contains("client 'portal-sync'");

        Path file = home.resolve("engine-jwks.json");
        assertThat(PrintJwksCommand.run(List.of(file.toString()), Map.of(PortalSyncSettings.HOME, home.toString()),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()))).isZero();
        assertThat(JWKSet.load(file.toFile()).toJSONObject()).isEqualTo(printed.toJSONObject());
    }

    @Test
    void withoutAKeyFileItSaysWhatToSet() throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/application.properties"), "portal-sync.source.fhir.auth.method = private_key_jwt\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = PrintJwksCommand.run(List.of(), Map.of(PortalSyncSettings.HOME, home.toString()), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(PortalSyncSettings.AUTH_PRIVATE_KEY_FILE);
    }
}
