package org.portalsync.bootstrap;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.Setting;
import org.portalsync.config.UnknownSettings;

/** The engine's settings for a command beside it (API keys, the JWKS), resolved exactly as the engine resolves them. */
public final class CommandSettings {

    private CommandSettings() {
    }

    /**
     * The home ({@link PortalSyncHome}), its {@code config/application.properties}, {@code PORTAL_SYNC_*} variables and
     * {@code -D} properties over it; an unknown key is refused as at start-up.
     *
     * @param overrides settings that win over all of them (tests)
     */
    public static PortalSyncSettings load(Map<String, String> overrides) {
        Properties system = System.getProperties();
        Map<String, String> environment = System.getenv();
        PortalSyncHome home = PortalSyncHome.locate(overrides, system, environment, PortalSyncHome.codeLocation(),
                Path.of("").toAbsolutePath());
        Path configFile = home.configFile();
        List<String> problems = UnknownSettings.problems(UnknownSettings.collect(configFile, overrides, environment, system));
        if (!problems.isEmpty()) {
            throw new ConfigurationException("Invalid configuration (" + configFile + ", environment, system properties):\n  - "
                    + String.join("\n  - ", problems));
        }
        // Camel's own properties component, as the engine's: file, then PORTAL_SYNC_* variables and -D properties over it
        CamelContext camel = new DefaultCamelContext();
        PropertiesComponent properties = camel.getPropertiesComponent();
        properties.setLocation("file:" + configFile);
        Properties defaults = new Properties();
        for (Setting setting : PortalSyncSettings.KEYS) {
            if (setting.defaultValue() != null) {
                defaults.setProperty(setting.key(), setting.defaultValue());
            }
        }
        properties.setInitialProperties(defaults);
        Properties forced = new Properties();
        forced.putAll(overrides);
        forced.setProperty(PortalSyncSettings.HOME, home.folder().toString());
        properties.setOverrideProperties(forced);
        return new PortalSyncSettings(properties::resolveProperty, configFile.toString());
    }
}
