package org.portalsync.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.Setting;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

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

    @Test
    void dryRunStartsOnTheShippedClasspathWithEnvironmentSettingsAndExits() throws Exception {
        long seed = 9401;
        EHR.seedPatients(7, seed);
        String runtime = Files.readString(Path.of("target/runtime-classpath.txt"), StandardCharsets.UTF_8).trim();
        Path reports = Files.createDirectories(Path.of("target/runtime-it-" + System.nanoTime()));
        ProcessBuilder process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", "target/classes" + File.pathSeparator + runtime,
                PortalSyncMain.class.getName(), "--dry-run"));
        Map<String, String> environment = process.environment();
        environment.put(env(PortalSyncSettings.FHIR_BASE_URL), EHR.fhirBaseUrl());
        environment.put(env(PortalSyncSettings.FHIR_PATIENT_SEARCH), "_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "|seed-" + seed);
        environment.put(env(PortalSyncSettings.MAPPING_MRN_SYSTEM), SandboxPatientGenerator.MRN_SYSTEM);
        environment.put(env(PortalSyncSettings.AUTH_TOKEN_URL), EHR.tokenUrl());
        environment.put(env(PortalSyncSettings.AUTH_CLIENT_ID), EHR.clientId());
        environment.put(env(PortalSyncSettings.AUTH_CLIENT_SECRET), EHR.clientSecret());
        environment.put(env(PortalSyncSettings.DB_URL), "jdbc:h2:file:./" + reports.resolve("portal"));
        environment.put(env(PortalSyncSettings.DRY_RUN_REPORT_DIR), reports.toString());
        environment.put(env(PortalSyncSettings.CLUSTER_LOCK_DIR), reports.resolve("cluster").toString());
        // every shipped route must start, the optional ones too
        environment.put(env(PortalSyncSettings.WELCOME_ENABLED), "true");
        process.redirectErrorStream(true);
        Path output = reports.resolve("engine.log");
        process.redirectOutput(output.toFile());

        Process engine = process.start();
        boolean exited = engine.waitFor(120, TimeUnit.SECONDS);
        if (!exited) {
            engine.destroyForcibly();
        }
        String log = Files.readString(output, StandardCharsets.UTF_8);

        assertThat(exited).as("the dry run exits by itself").isTrue();
        assertThat(engine.exitValue()).as(log).isZero();
        assertThat(log).contains("Dry run: Synced").contains("report: ").doesNotContain(EHR.clientSecret());
        try (var files = Files.list(reports)) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).anyMatch(name -> name.startsWith("dry-run-"));
        }
    }
}
