package org.portalsync.console;

/** One line of the console's users file: a name, its role and its password's hash. */
public record ConsoleUser(String name, ConsoleRole role, String passwordHash) {

    /** A user name: lower-case letters, digits, '.', '-' and '_', as in a login name. */
    public static boolean validName(String name) {
        return name != null && name.matches("[a-z0-9][a-z0-9._-]{0,63}");
    }
}
