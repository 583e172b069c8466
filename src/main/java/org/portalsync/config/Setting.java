package org.portalsync.config;

/**
 * One configuration key of the engine. Every key has a default (or is required), a description
 * that the README's table repeats, and a secret flag: a secret is never logged but for its last
 * four characters.
 *
 * @param defaultValue null when the key is required
 */
public record Setting(String key, String defaultValue, String description, boolean secret) {

    public static Setting required(String key, String description) {
        return new Setting(key, null, description, false);
    }

    public static Setting optional(String key, String defaultValue, String description) {
        return new Setting(key, defaultValue, description, false);
    }

    public static Setting secret(String key, String description) {
        return new Setting(key, "", description, true);
    }

    public boolean isRequired() {
        return defaultValue == null;
    }

    /** The environment variable that overrides this key, e.g. {@code PORTAL_SYNC_DB_URL}. */
    public String environmentVariable() {
        return key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
