package org.portalsync.testing;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.portalsync.config.Setting;

/** The engine as a process of its own, as an operator runs it: on the shipped classpath, set up by environment variables. */
public final class EngineProcess {

    private EngineProcess() {
    }

    /** The classpath the jar's manifest gives: the engine's classes and target/lib, no test libraries. */
    public static String shippedClasspath() throws Exception {
        String runtime = Files.readString(Path.of("target/runtime-classpath.txt"), StandardCharsets.UTF_8).trim();
        return Path.of("target/classes").toAbsolutePath() + File.pathSeparator + runtime;
    }

    /** Settings by key as the environment variables the engine reads them from. */
    public static Map<String, String> environment(Map<String, String> settings) {
        Map<String, String> environment = new HashMap<>();
        settings.forEach((key, value) -> environment.put(new Setting(key, "", "", false).environmentVariable(), value));
        return environment;
    }
}
