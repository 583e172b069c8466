package org.portalsync.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.Setting;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.testing.EngineProcess;

/**
 * The engine as an operator runs it: a separate JVM on the runtime classpath only (what
 * target/lib ships, no test libraries), configured by environment variables, started with
 * {@code --dry-run}: it must start every shipped route, poll the EHR once, print the summary and exit 0.
 */
class RuntimeClasspathIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static String env(String key) {
        return new Setting(key, "", "", false).environmentVariable();
    }

    /** What a finished engine process left: its exit code and its console output. */
    private record Run(int exitCode, String log) {
    }

    /** Settings for a dry run against the sandbox, as environment variables; the caller adds the rest. */
    private static Map<String, String> dryRunEnvironment(Map<String, String> environment, long seed) {
        environment.put(env(PortalSyncSettings.FHIR_BASE_URL), EHR.fhirBaseUrl());
        environment.put(env(PortalSyncSettings.FHIR_PATIENT_SEARCH), "_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "|seed-" + seed);
        environment.put(env(PortalSyncSettings.MAPPING_MRN_SYSTEM), SandboxPatientGenerator.MRN_SYSTEM);
        environment.put(env(PortalSyncSettings.AUTH_TOKEN_URL), EHR.tokenUrl());
        environment.put(env(PortalSyncSettings.AUTH_CLIENT_ID), EHR.clientId());
        environment.put(env(PortalSyncSettings.AUTH_CLIENT_SECRET), EHR.clientSecret());
        return environment;
    }

    /**
     * Runs {@code java <arguments>} in {@code workingDirectory} with {@code settings} added to the environment
     * and waits for it to exit.
     */
    private static Run run(Path workingDirectory, Map<String, String> settings, Path log, String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        command.addAll(List.of(arguments));
        return runCommand(workingDirectory, settings, log, command);
    }

    /** Runs {@code command} in {@code workingDirectory} with {@code settings} added to the environment and waits for it to exit. */
    private static Run runCommand(Path workingDirectory, Map<String, String> settings, Path log, List<String> command) throws Exception {
        ProcessBuilder process = new ProcessBuilder(command).directory(workingDirectory.toFile());
        process.environment().putAll(settings);
        process.redirectErrorStream(true);
        process.redirectOutput(log.toFile());
        Process engine = process.start();
        boolean exited = engine.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            engine.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(exited).as("the engine exits by itself: %s", output).isTrue();
        return new Run(engine.exitValue(), output);
    }

    @Test
    void dryRunStartsOnTheShippedClasspathWithEnvironmentSettingsAndExits() throws Exception {
        long seed = 9401;
        EHR.seedPatients(7, seed);
        Path reports = Files.createDirectories(Path.of("target/runtime-it-" + System.nanoTime()));
        Map<String, String> environment = dryRunEnvironment(new java.util.HashMap<>(), seed);
        environment.put(env(PortalSyncSettings.DB_URL), "jdbc:h2:file:./" + reports.resolve("portal"));
        environment.put(env(PortalSyncSettings.DRY_RUN_REPORT_DIR), reports.toString());
        environment.put(env(PortalSyncSettings.CLUSTER_LOCK_DIR), reports.resolve("cluster").toString());
        // every shipped route must start, the optional ones too
        environment.put(env(PortalSyncSettings.WELCOME_ENABLED), "true");

        Run engine = run(Path.of("").toAbsolutePath(), environment, reports.resolve("engine.log"),
                "-cp", EngineProcess.shippedClasspath(), PortalSyncMain.class.getName(), "--dry-run");

        assertThat(engine.exitCode()).as(engine.log()).isZero();
        assertThat(engine.log()).contains("Dry run: Synced").contains("report: ").doesNotContain(EHR.clientSecret());
        try (var files = Files.list(reports)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).anyMatch(name -> name.startsWith("dry-run-"));
        }
    }

    /**
     * The layout {@code ./mvnw package} leaves: {@code <project>/target/portal-sync.jar} with its manifest
     * Class-Path naming {@code lib/*.jar} beside it (linked here to the real dependency jars), and the
     * project's config/ and routes/.
     */
    private static Path packagedProject(Path project) throws Exception {
        return packagedEngine(project, "target");
    }

    /**
     * The shipped config/ and routes/ in {@code home}, and {@code <home>/<jarFolder>/portal-sync.jar} with the
     * dependency jars in {@code lib/} beside it (linked here to the real ones), its manifest Class-Path naming them.
     */
    private static Path packagedEngine(Path home, String jarFolder) throws Exception {
        PortalSyncHomeIT.installHome(home);
        Path project = home.resolve(jarFolder);
        Path target = Files.createDirectories(project.resolve("lib"));
        List<String> classPath = new ArrayList<>();
        String runtime = Files.readString(Path.of("target/runtime-classpath.txt"), StandardCharsets.UTF_8).trim();
        for (String entry : runtime.split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            Files.createSymbolicLink(target.resolve(jar.getFileName()), jar.toAbsolutePath());
            classPath.add("lib/" + jar.getFileName());
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, PortalSyncMain.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", classPath));
        Path jar = project.resolve("portal-sync.jar");
        Path classes = Path.of("target/classes");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest); Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> !f.equals(classes)).toList()) {
                // folder entries too, as maven-jar-plugin writes them: Flyway finds db/migration through them
                String name = classes.relativize(file).toString().replace('\\', '/');
                out.putNextEntry(new JarEntry(Files.isDirectory(file) ? name + "/" : name));
                if (Files.isRegularFile(file)) {
                    Files.copy(file, out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void thePackagedJarStartedFromAnotherFolderUsesTheProjectsDataFolder() throws Exception {
        long seed = 7841;
        EHR.seedPatients(3, seed);
        Path dir = Files.createDirectories(Path.of("target/runtime-it-" + System.nanoTime()).toAbsolutePath());
        Path project = dir.resolve("project");
        Path jar = packagedProject(project);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));

        // no database, report or lock settings: the shipped defaults ./data/portal, data/reports, data/cluster
        Run engine = run(elsewhere, dryRunEnvironment(new java.util.HashMap<>(), seed), dir.resolve("engine.log"),
                "-jar", jar.toString(), "--dry-run");

        assertThat(engine.exitCode()).as(engine.log()).isZero();
        assertThat(engine.log()).contains("portal-sync home: " + project + " (found from " + jar + ")")
                .contains("Dry run: Synced 3 patients");
        assertThat(project.resolve("data/portal.mv.db")).isRegularFile();
        try (Stream<Path> reports = Files.list(project.resolve("data/reports"))) {
            assertThat(reports).hasSize(1);
        }
        assertThat(elsewhere.resolve("data")).as("nothing is written in the working directory").doesNotExist();
    }

    /**
     * The engine as the image installs it (portal-sync.jar, lib/, config/, routes/ and bin/portal-sync in its home),
     * started by the launcher from another folder: config/jvm.options reaches the JVM (its comments left out), and
     * $JAVA_OPTS after it.
     */
    @Test
    void theLauncherStartsTheInstalledJarWithConfigJvmOptionsThenJavaOpts() throws Exception {
        long seed = 7843;
        EHR.seedPatients(3, seed);
        Path dir = Files.createDirectories(Path.of("target/runtime-it-" + System.nanoTime()).toAbsolutePath());
        Path home = dir.resolve("portal-sync");
        Path jar = packagedEngine(home, "");
        Path launcher = Files.createDirectories(home.resolve("bin")).resolve("portal-sync");
        Files.copy(Path.of("bin/portal-sync"), launcher, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        // the shipped file: C1 only, among comments the launcher must leave out
        assertThat(Files.readString(home.resolve("config/jvm.options"))).contains("\n-XX:TieredStopAtLevel=1\n").contains("# ");
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Map<String, String> environment = dryRunEnvironment(new java.util.HashMap<>(), seed);
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("JAVA_OPTS", "-Xmx200m");

        Run engine = runCommand(elsewhere, environment, dir.resolve("engine.log"), List.of(launcher.toString(), "--dry-run"));

        assertThat(engine.exitCode()).as(engine.log()).isZero();
        assertThat(engine.log()).contains("portal-sync home: " + home + " (found from " + jar + ")")
                .contains(", JIT C1 only").containsPattern("max heap (19\\d|200) MiB")
                .contains("Dry run: Synced 3 patients");
        assertThat(home.resolve("data/portal.mv.db")).isRegularFile();

        // a later option wins: C2 back by JAVA_OPTS (start-up then stops at a misspelt setting, after the JVM line)
        environment.put("JAVA_OPTS", "-Xmx200m -XX:TieredStopAtLevel=4");
        environment.put("PORTAL_SYNC_SOURCE_FHIR_PAGE_SISE", "200");
        Run withC2 = runCommand(elsewhere, environment, dir.resolve("engine-c2.log"), List.of(launcher.toString()));
        assertThat(withC2.exitCode()).as(withC2.log()).isEqualTo(1);
        assertThat(withC2.log()).contains(", JIT C1 and C2").contains("portal-sync cannot start");
    }

    @Test
    void anUnknownPortalSyncEnvironmentVariableStopsStartUpNamingTheClosestSetting() throws Exception {
        Path dir = Files.createDirectories(Path.of("target/runtime-it-" + System.nanoTime()));
        Map<String, String> environment = dryRunEnvironment(new java.util.HashMap<>(), 7842);
        environment.put(env(PortalSyncSettings.DB_URL), "jdbc:h2:mem:unknown-variable");
        environment.put("PORTAL_SYNC_SOURCE_FHIR_PAGE_SISE", "200");

        Run engine = run(Path.of("").toAbsolutePath(), environment, dir.resolve("engine.log"),
                "-cp", EngineProcess.shippedClasspath(), PortalSyncMain.class.getName(), "--dry-run");

        assertThat(engine.exitCode()).isEqualTo(1);
        assertThat(engine.log()).contains("portal-sync cannot start")
                .contains("environment variable PORTAL_SYNC_SOURCE_FHIR_PAGE_SISE is not a known setting; "
                        + "did you mean PORTAL_SYNC_SOURCE_FHIR_PAGE_SIZE (portal-sync.source.fhir.page-size)?")
                .doesNotContain("Dry run: Synced");
    }
}
