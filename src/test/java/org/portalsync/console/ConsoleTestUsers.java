package org.portalsync.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.portalsync.config.PortalSyncSettings;

/** A users file for the console's tests: an operator and a viewer, hashed with few iterations so that tests sign in fast. */
public final class ConsoleTestUsers {

    public static final String OPERATOR = "olivia";
    public static final String VIEWER = "victor";
    public static final String OPERATOR_PASSWORD = "operator-password-1";
    public static final String VIEWER_PASSWORD = "viewer-password-22";

    private ConsoleTestUsers() {
    }

    /** Console settings over the engine's: enabled, with a fresh users file. */
    public static Map<String, String> enable(Map<String, String> settings) {
        try {
            Path file = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "console-users").resolve("console-users.properties");
            Files.write(file, List.of(
                    OPERATOR + " = operator " + PasswordHash.hash(OPERATOR_PASSWORD.toCharArray(), 1_000),
                    VIEWER + " = viewer " + PasswordHash.hash(VIEWER_PASSWORD.toCharArray(), 1_000)));
            settings.put(PortalSyncSettings.CONSOLE_ENABLED, "true");
            settings.put(PortalSyncSettings.CONSOLE_USERS_FILE, file.toString());
            return settings;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
