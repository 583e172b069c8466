package org.portalsync.console;

/**
 * A signed-in console user. The id travels only in the session cookie; the CSRF token is written into every
 * form that changes something and must come back with it.
 */
public record ConsoleSession(String id, String username, ConsoleRole role, String csrfToken) {
}
