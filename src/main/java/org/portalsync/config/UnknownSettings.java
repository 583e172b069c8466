package org.portalsync.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Finds the {@code portal-sync.*} names an operator set that are not in {@link PortalSyncSettings#KEYS},
 * wherever they were set, each with the closest known name. A misspelt key is otherwise silently
 * ignored and its default used: {@code page-sise=200} would leave the page size at 50.
 */
public final class UnknownSettings {

    static final String KEY_PREFIX = "portal-sync.";
    static final String ENVIRONMENT_PREFIX = "PORTAL_SYNC_";

    /** Where a name was set. */
    public enum Origin { FILE, OVERRIDE, SYSTEM_PROPERTY, ENVIRONMENT }

    /**
     * One name as it was written ({@code PORTAL_SYNC_*} for the environment, a dotted key elsewhere), and where.
     *
     * @param where for messages: the file and line, or the kind of origin
     */
    public record ConfiguredName(String name, Origin origin, String where) {
        boolean environmentVariable() {
            return origin == Origin.ENVIRONMENT;
        }
    }

    private UnknownSettings() {
    }

    /**
     * The {@code portal-sync.*} names set in the config file (when it exists), as overrides (tests,
     * command-line flags), as system properties and as {@code PORTAL_SYNC_*} environment variables.
     */
    public static List<ConfiguredName> collect(Path configFile, Map<String, String> overrides, Map<String, String> environment,
            Properties systemProperties) {
        List<ConfiguredName> names = new ArrayList<>();
        if (Files.isRegularFile(configFile)) {
            List<String> lines = readLines(configFile);
            for (String key : sorted(fileKeys(configFile))) {
                names.add(new ConfiguredName(key, Origin.FILE, configFile + lineOf(lines, key)));
            }
        }
        sorted(overrides.keySet()).forEach(key -> names.add(new ConfiguredName(key, Origin.OVERRIDE, "override")));
        sorted(systemProperties.stringPropertyNames())
                .forEach(key -> names.add(new ConfiguredName(key, Origin.SYSTEM_PROPERTY, "system property")));
        environment.keySet().stream().filter(name -> name.startsWith(ENVIRONMENT_PREFIX)).sorted()
                .forEach(name -> names.add(new ConfiguredName(name, Origin.ENVIRONMENT, "environment")));
        return names.stream().filter(n -> n.environmentVariable() || n.name().startsWith(KEY_PREFIX)).toList();
    }

    /** One line per unknown name, e.g. {@code portal-sync.x is not a known setting; did you mean portal-sync.y? (where)}. */
    public static List<String> problems(List<ConfiguredName> names) {
        Set<String> keys = PortalSyncSettings.KEYS.stream().map(Setting::key).collect(Collectors.toSet());
        List<String> problems = new ArrayList<>();
        for (ConfiguredName configured : names) {
            if (configured.environmentVariable()) {
                boolean known = PortalSyncSettings.KEYS.stream().anyMatch(s -> s.environmentVariable().equals(configured.name()));
                if (!known) {
                    Setting closest = closest(configured.name(), Setting::environmentVariable);
                    problems.add("environment variable " + configured.name() + " is not a known setting; did you mean "
                            + closest.environmentVariable() + " (" + closest.key() + ")?");
                }
            } else if (configured.name().equals(PortalSyncSettings.HOME) && configured.origin() == Origin.FILE) {
                problems.add(PortalSyncSettings.HOME + " has no effect in the settings file (" + configured.where()
                        + "): the home is where that file is found; set -D" + PortalSyncSettings.HOME
                        + "=... or environment variable PORTAL_SYNC_HOME instead");
            } else if (!keys.contains(configured.name())) {
                problems.add(configured.name() + " is not a known setting; did you mean " + closest(configured.name(), Setting::key).key()
                        + "? (" + configured.where() + ")");
            }
        }
        return problems;
    }

    private static Setting closest(String name, java.util.function.Function<Setting, String> form) {
        // min keeps the first of equals: ties go to the key listed first in the catalogue
        return PortalSyncSettings.KEYS.stream().min(Comparator.comparingInt(s -> distance(name, form.apply(s)))).orElseThrow();
    }

    /** Levenshtein distance: the fewest single-character insertions, deletions or substitutions from a to b. */
    public static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static Set<String> fileKeys(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return properties.stringPropertyNames();
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** {@code " line 12"} for the line that sets the key, or empty when it is not found as written. */
    private static String lineOf(List<String> lines, String key) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).stripLeading();
            if (line.startsWith(key) && (line.length() == key.length() || " \t=:".indexOf(line.charAt(key.length())) >= 0)) {
                return " line " + (i + 1);
            }
        }
        return "";
    }

    private static Set<String> sorted(Set<String> names) {
        return new TreeSet<>(names);
    }
}
