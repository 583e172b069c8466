package org.portalsync.console;

import java.util.Locale;
import java.util.Optional;

/** What a console user may do: an operator replays and discards dead letters, a viewer only looks. */
public enum ConsoleRole {
    OPERATOR, VIEWER;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<ConsoleRole> of(String name) {
        for (ConsoleRole role : values()) {
            if (role.configName().equals(name)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
