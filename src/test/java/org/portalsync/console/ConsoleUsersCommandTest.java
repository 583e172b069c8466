package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;

/** The users command writes hashes, never passwords, into the users file the engine reads, and refuses short passwords. */
class ConsoleUsersCommandTest {

    @TempDir
    Path home;

    @BeforeEach
    void makeHome() throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/application.properties"), "# the engine's home, for the command\n");
    }

    private String run(int expected, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = ConsoleUsersCommand.run(List.of(args), Map.of(PortalSyncSettings.HOME, home.toString()), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(printed).isEqualTo(expected);
        return printed;
    }

    @Test
    void addsListsReplacesAndRemovesUsersKeepingOnlyHashes() throws Exception {
        run(0, "first-password-1\n", "add", "--user", "alice", "--role", "operator");
        run(0, "second-password-2\n", "add", "--user", "bob", "--role", "viewer");
        run(0, "third-password-33\n", "add", "--user", "alice", "--role", "viewer");
        Path file = home.resolve("config/console-users.properties");

        assertThat(run(0, "", "list")).contains("alice  viewer").contains("bob  viewer");
        assertThat(Files.readString(file)).doesNotContain("password-");
        var users = ConsoleUsers.parse(file, Files.readAllLines(file));
        assertThat(PasswordHash.matches("third-password-33".toCharArray(), users.get("alice").passwordHash())).isTrue();
        assertThat(Files.getPosixFilePermissions(file)).map(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

        run(0, "", "remove", "--user", "bob");
        assertThat(run(0, "", "list")).doesNotContain("bob");
        assertThat(run(1, "short\n", "add", "--user", "carol", "--role", "operator")).contains("at least 12 characters");
        assertThat(run(2, "", "add", "--user", "Carol!", "--role", "operator")).contains("lower-case");
    }
}
