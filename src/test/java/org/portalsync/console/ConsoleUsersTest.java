package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.portalsync.config.ConfigurationException;

class ConsoleUsersTest {

    private static final Path FILE = Path.of("config/console-users.properties");

    @Test
    void readsNamesRolesAndHashesSkippingComments() {
        String hash = PasswordHash.hash("twelve chars!".toCharArray(), 1_000);

        var users = ConsoleUsers.parse(FILE, List.of("# users", "", "alice = operator " + hash, "bob=viewer " + hash));

        assertThat(users.get("alice").role()).isEqualTo(ConsoleRole.OPERATOR);
        assertThat(users.get("bob").role()).isEqualTo(ConsoleRole.VIEWER);
    }

    @Test
    void aBadLineIsNamedByFileAndLineWithoutQuotingItsPassword() {
        assertThatThrownBy(() -> ConsoleUsers.parse(FILE, List.of("# users", "alice = operator secret-in-plain-text", "bob = admin x",
                "Carol = viewer x")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("config/console-users.properties:2: the password is not a pbkdf2-sha256 hash")
                .hasMessageContaining("config/console-users.properties:3: role 'admin' is not operator or viewer")
                .hasMessageContaining("config/console-users.properties:4: the user name must be")
                .hasMessageNotContaining("secret-in-plain-text");
    }
}
