package org.portalsync.config;

/**
 * Prints the README's configuration table from {@link PortalSyncSettings#KEYS}:
 * {@code ./mvnw -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=org.portalsync.config.SettingsTable}.
 * Paste it between the settings markers in README.md; {@code PortalSyncSettingsTest} checks it.
 */
public final class SettingsTable {

    private SettingsTable() {
    }

    public static void main(String[] args) {
        System.out.println("| key | default | what it does |");
        System.out.println("| --- | --- | --- |");
        for (Setting setting : PortalSyncSettings.KEYS) {
            String shown = setting.isRequired() ? "**required**"
                    : setting.secret() ? "(secret, no default)"
                    : setting.defaultValue().isEmpty() ? "(empty)" : "`" + setting.defaultValue() + "`";
            System.out.println("| `" + setting.key() + "` | " + shown + " | " + setting.description().replace("|", "\\|") + " |");
        }
    }
}
