package org.portalsync.bootstrap;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.Setting;

/**
 * The engine's home: the one folder that holds {@code config/}, {@code routes/} and {@code data/},
 * against which every relative path in the settings resolves. Found before the settings file is
 * read (it is where that file lives), in this order:
 * <ol>
 * <li>{@code portal-sync.home} as an override (tests), then as a system property ({@code -Dportal-sync.home=}),
 *     then as the environment variable {@code PORTAL_SYNC_HOME}; a relative one resolves against the working directory;</li>
 * <li>where the engine's code is: the folder of {@code portal-sync.jar} (the image's {@code /opt/portal-sync}), or the
 *     one above it ({@code java -jar target/portal-sync.jar} in the project, whose classes are {@code target/classes}
 *     in a build), whichever first holds {@code config/application.properties};</li>
 * <li>else the working directory.</li>
 * </ol>
 * So starting the engine from another folder finds the same database instead of creating an empty
 * one and loading every patient again.
 *
 * @param folder   absolute and normalised
 * @param chosenBy how it was found, for the start-up log and errors
 */
public record PortalSyncHome(Path folder, String chosenBy) {

    public static PortalSyncHome locate(Map<String, String> overrides, Properties systemProperties, Map<String, String> environment,
            Optional<Path> codeLocation, Path workingDirectory) {
        String key = PortalSyncSettings.HOME;
        String variable = new Setting(key, "", "", false).environmentVariable();
        List<Map.Entry<String, String>> explicit = new ArrayList<>();
        Optional.ofNullable(overrides.get(key)).ifPresent(v -> explicit.add(Map.entry("override " + key, v)));
        Optional.ofNullable(systemProperties.getProperty(key)).ifPresent(v -> explicit.add(Map.entry("-D" + key, v)));
        Optional.ofNullable(environment.get(variable)).ifPresent(v -> explicit.add(Map.entry(variable, v)));
        for (Map.Entry<String, String> setting : explicit) {
            if (!setting.getValue().isBlank()) {
                return new PortalSyncHome(workingDirectory.resolve(setting.getValue().trim()).toAbsolutePath().normalize(),
                        "set by " + setting.getKey());
            }
        }
        if (codeLocation.isPresent() && codeLocation.get().getParent() != null) {
            Path beside = codeLocation.get().toAbsolutePath().normalize().getParent();
            for (Path candidate : beside.getParent() == null ? List.of(beside) : List.of(beside, beside.getParent())) {
                if (Files.isRegularFile(candidate.resolve(PortalSyncMain.CONFIG_FILE))) {
                    return new PortalSyncHome(candidate, "found from " + codeLocation.get());
                }
            }
        }
        return new PortalSyncHome(workingDirectory.toAbsolutePath().normalize(), "the working directory");
    }

    /** Where this class was loaded from: the jar, or the classes folder of a build; empty when the JVM does not say. */
    public static Optional<Path> codeLocation() {
        try {
            var source = PortalSyncHome.class.getProtectionDomain().getCodeSource();
            return source == null ? Optional.empty() : Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code config/application.properties} in the home; start-up stops when it is not there. */
    public Path configFile() {
        Path file = folder.resolve(PortalSyncMain.CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ConfigurationException("No " + PortalSyncMain.CONFIG_FILE + " in the portal-sync home " + folder + " ("
                    + chosenBy + "). Set " + PortalSyncSettings.HOME + " (-D" + PortalSyncSettings.HOME
                    + "=... or environment variable PORTAL_SYNC_HOME) to the folder that holds config/, routes/ and data/");
        }
        return file;
    }

    /** Camel's pattern for the route files: {@code file:<home>/routes/*.yaml}. */
    public String routesPattern() {
        return "file:" + folder.toString().replace('\\', '/') + "/" + PortalSyncMain.ROUTES.substring("file:".length());
    }
}
