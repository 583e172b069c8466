package org.portalsync.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.portalsync.bootstrap.PortalSyncMain;
import org.portalsync.config.PortalSyncSettings;
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

    /**
     * Starts the engine in a process of its own (its output in {@code log}) and returns once it takes connections on
     * {@code port}.
     */
    public static Process startListening(Map<String, String> settings, int port, Path log) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp", shippedClasspath(),
                PortalSyncMain.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment(settings));
        Process engine = builder.start();
        try {
            awaitListening(engine, port, log);
        } catch (Exception | AssertionError e) {
            engine.destroyForcibly();
            throw e;
        }
        return engine;
    }

    private static void awaitListening(Process engine, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!engine.isAlive()) {
                throw new AssertionError("the engine stopped: " + Files.readString(log, StandardCharsets.UTF_8));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("the engine did not listen on " + port + " within 2 minutes: " + Files.readString(log, StandardCharsets.UTF_8));
    }

    /**
     * Points the settings at a folder of the engine's own: an H2 file database in it (the engine's default kind), its
     * cluster lock and journal, and a management port of its own.
     *
     * @return the database's JDBC URL, to open it once the process is gone
     */
    public static String inFolder(Map<String, String> settings, Path dir) throws IOException {
        String url = "jdbc:h2:file:" + dir.resolve("portal");
        settings.put(PortalSyncSettings.DB_URL, url);
        settings.put(PortalSyncSettings.DB_USER, "sa");
        settings.put(PortalSyncSettings.MANAGEMENT_PORT, String.valueOf(FreePorts.next()));
        settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, dir.resolve("cluster").toString());
        settings.put(PortalSyncSettings.JOURNAL_DIR, dir.resolve("journal").toString());
        return url;
    }

    /** Settings by key as the environment variables the engine reads them from. */
    public static Map<String, String> environment(Map<String, String> settings) {
        Map<String, String> environment = new HashMap<>();
        settings.forEach((key, value) -> environment.put(new Setting(key, "", "", false).environmentVariable(), value));
        return environment;
    }
}
