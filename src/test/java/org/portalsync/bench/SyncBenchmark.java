package org.portalsync.bench;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.sync.TestEngine;

/**
 * {@code ./mvnw -Pbench [-Dbench.patients=N]}: how close the engine's full sync comes to the
 * physical limit of a poll-based sync, a raw paged FHIR client loop over the same search.
 *
 * <p>This JVM starts a private sandbox EHR, seeds N patients (timed, but not part of the
 * comparison) and warms the server up with one raw fetch of the first ~1,000. The two measured
 * phases then each run in a child JVM of their own ({@link RawFetchRun}, {@link EngineRun}) against
 * the sandbox here, so that each phase's peak heap is its own and not the sandbox's, and both start
 * equally cold. The engine writes to a new empty H2 file database under {@code target/bench/}.
 *
 * <p>System properties: {@code bench.page-size} (default 50, the engine's default),
 * {@code bench.seed}, {@code bench.child-xmx} (default: this JVM's -Xmx), {@code bench.jfr=true} (a
 * Flight Recorder profile of the engine phase next to its log), {@code bench.jvm-args} (both phases' JVMs),
 * {@code bench.engine-jvm-args} (the engine's, after config/jvm.options, which it gets as bin/portal-sync gives them).
 *
 * <p>Against any running FHIR server instead of the sandbox: {@code -Dbench.base-url=http://host/fhir}
 * [{@code -Dbench.token-url=... -Dbench.client-id=...}, {@code -Dbench.private-key=<PEM, PKCS#12 or JWKS file> [-Dbench.key-id=...]}
 * for private_key_jwt, or the secret in the environment variable
 * {@code BENCH_CLIENT_SECRET}]. It then reads what the server holds ({@code -Dbench.search=...} narrows
 * it), or, with {@code -Dbench.seed-server=true}, first seeds N generated patients into it and reads those.
 */
public final class SyncBenchmark {

    static final String RESULT = "BENCH-RESULT";
    static final String SUMMARY = "BENCH-SUMMARY";
    /** A child's CPU by thread group in its timed part: {@code name=ms,...} ({@link ThreadCpu}). */
    static final String THREADS = "BENCH-THREADS";
    private static final double TARGET_RATIO = 1.25;
    private static final double REREAD_TARGET_RATIO = 1.1;
    private static final int WARM_UP_RECORDS = 1000;

    private SyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        // loaded now: others may recompile target/test-classes during the run
        List.of(Phase.class, Snapshot.class, RawFetch.class).forEach(Class::getName);
        int n = args.length > 0 ? Integer.parseInt(args[0].trim()) : 10_000;
        int pageSize = Integer.getInteger("bench.page-size", 50);
        long seed = Long.getLong("bench.seed", 4242L);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Path.of("target", "bench");
        Files.createDirectories(dir);

        // First of all, before others working in this tree rebuild it or change routes/ (see Snapshot)
        Snapshot snapshot = Snapshot.take(dir.resolve("run-" + stamp));

        int exit = 1;
        String baseUrl = System.getProperty("bench.base-url", "").isBlank() ? null : System.getProperty("bench.base-url").strip();
        SandboxEhr ehr = baseUrl == null ? SandboxEhr.start(0) : null;
        try {
            exit = run(ehr, baseUrl, snapshot, n, pageSize, seed, stamp, dir);
        } catch (Exception | AssertionError e) {
            System.err.println("BENCHMARK FAILED: " + e);
            e.printStackTrace();
        } finally {
            if (ehr != null) {
                ehr.close();
            }
            snapshot.delete();
        }
        System.exit(exit); // HAPI leaves non-daemon threads behind
    }

    private static int run(SandboxEhr ehr, String baseUrl, Snapshot snapshot, int n, int pageSize, long seed, String stamp, Path dir)
            throws Exception {
        // a practice's data by default: a third of the phones invalid, some without MRN or with a bad ZIP
        boolean clean = System.getProperty("bench.data", "practice").equals("clean");
        SandboxPatientGenerator.DefectRates rates = clean ? SandboxPatientGenerator.DefectRates.SANDBOX : SandboxPatientGenerator.DefectRates.PRACTICE;
        String tag = "_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "|seed-" + seed;
        Map<String, String> settings;
        String server;
        double seedSeconds = 0;
        long started = System.nanoTime();
        if (ehr != null) {
            ehr.seedPatients(n, seed, rates);
            seedSeconds = seconds(System.nanoTime() - started);
            settings = new HashMap<>(TestEngine.settingsFor(ehr, ehr.fhirBaseUrl(), "h2", seed));
            server = "sandbox HAPI FHIR JPA (H2) in-process";
        } else {
            boolean seedServer = Boolean.getBoolean("bench.seed-server");
            settings = new HashMap<>(TestEngine.settingsForServer(baseUrl, System.getProperty("bench.token-url", ""),
                    System.getProperty("bench.client-id", ""), System.getenv().getOrDefault("BENCH_CLIENT_SECRET", ""), "h2",
                    seedServer ? tag : System.getProperty("bench.search", "")));
            settings.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, System.getProperty("bench.mrn-system", SandboxPatientGenerator.MRN_SYSTEM));
            // an EHR that takes backend services by private_key_jwt only: the engine and the raw fetch sign with this key
            String privateKey = System.getProperty("bench.private-key", "");
            if (!privateKey.isBlank()) {
                settings.put(PortalSyncSettings.AUTH_PRIVATE_KEY_FILE, Path.of(privateKey).toAbsolutePath().toString());
                settings.put(PortalSyncSettings.AUTH_KEY_ID, System.getProperty("bench.key-id", ""));
                settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, "");
            }
            if (baseUrl.startsWith("http:")) {
                settings.put(PortalSyncSettings.FHIR_ALLOW_INSECURE_HTTP, "true");
            }
            if (seedServer) {
                RemoteSeeder.seed(baseUrl, new RawFetch(settings).token(), n, seed, rates);
                seedSeconds = seconds(System.nanoTime() - started);
            } else {
                n = 0; // whatever the server holds: the raw fetch counts it
            }
            server = "FHIR server at " + baseUrl;
        }
        if (seedSeconds > 0) {
            System.out.printf("seeded %d patients in %.1f s%n", n, seedSeconds);
        }

        boolean postgres = System.getProperty("bench.db", "h2").equals("postgresql");
        // PostgreSQL: an embedded server started by this JVM, a new empty database per phase
        settings.put(PortalSyncSettings.DB_URL, postgres ? TestDatabases.durableJdbcUrl("postgresql")
                : "jdbc:h2:file:" + dir.toAbsolutePath().resolve("portal-" + stamp));
        settings.put(PortalSyncSettings.DB_USER, postgres ? TestDatabases.user("postgresql") : "sa");
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, Integer.toString(pageSize));
        settings.put(PortalSyncSettings.FHIR_REQUESTS_PER_MINUTE, "100000");
        // the production default unless asked otherwise (the test settings run two workers)
        settings.put(PortalSyncSettings.SYNC_WORKERS, System.getProperty("bench.workers", "1"));
        settings.put(PortalSyncSettings.SYNC_PAGE_TRANSACTION, System.getProperty("bench.page-transaction", "true"));
        settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, dir.toAbsolutePath().resolve("cluster-" + stamp).toString());
        Path settingsFile = dir.resolve("settings-" + stamp + ".properties");
        writeSettings(settings, settingsFile);

        started = System.nanoTime();
        long warmed = new RawFetch(settings).run(WARM_UP_RECORDS);
        System.out.printf("warm-up: raw fetch of the first %d in %.1f s (discarded)%n", warmed, seconds(System.nanoTime() - started));

        String xmx = childXmx();
        Phase raw = child("raw fetch", RawFetchRun.class, snapshot, settingsFile, n, xmx, dir.resolve("raw-" + stamp + ".log"));
        int records = (int) raw.records;
        Phase engine = child("engine sync", EngineRun.class, snapshot, settingsFile, records, xmx, dir.resolve("engine-" + stamp + ".log"));
        // the same initial load read by FHIR Bulk Data $export (the sandbox's real HAPI export job), into its own empty portal DB
        Map<String, String> exportSettings = new HashMap<>(settings);
        exportSettings.put(PortalSyncSettings.FHIR_INITIAL_LOAD, "export");
        exportSettings.put(PortalSyncSettings.FHIR_EXPORT_MAX_POLL_WAIT, "1s");
        exportSettings.put(PortalSyncSettings.DB_URL, postgres ? TestDatabases.durableJdbcUrl("postgresql")
                : "jdbc:h2:file:" + dir.toAbsolutePath().resolve("portal-export-" + stamp));
        exportSettings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, dir.toAbsolutePath().resolve("cluster-export-" + stamp).toString());
        Path exportSettingsFile = dir.resolve("settings-export-" + stamp + ".properties");
        writeSettings(exportSettings, exportSettingsFile);
        // an independent server may offer no $export: there it runs only when asked (-Dbench.export=true);
        // against the sandbox it runs unless -Dbench.export=false
        boolean exportAsked = ehr != null ? !"false".equals(System.getProperty("bench.export")) : Boolean.getBoolean("bench.export");
        Phase export = exportAsked
                ? child("engine export", EngineRun.class, snapshot, exportSettingsFile, records, xmx, dir.resolve("export-" + stamp + ".log"))
                : null;

        System.out.println();
        System.out.printf("portal-sync benchmark: N=%d, page size %d, %s sync worker(s), %s, portal DB %s%n",
                records, pageSize, settings.get(PortalSyncSettings.SYNC_WORKERS), server, postgres ? "PostgreSQL (embedded, local; synchronous_commit=on)" : "H2 file (each commit written at once)");
        List<String> engineOptions = engineJvmOptions();
        System.out.println("engine JVM options: " + (engineOptions.isEmpty() ? "none" : String.join(" ", engineOptions))
                + " (config/jvm.options, as bin/portal-sync starts the engine, then -Dbench.engine-jvm-args); the raw fetch: the JVM's defaults");
        System.out.println("| phase        | records | time (s) | records/s | peak heap (MiB) | CPU (s) | CPU ms/record |");
        if (seedSeconds > 0) {
            System.out.println(row("seed EHR", n, seedSeconds, "-", -1));
        }
        System.out.println(row("raw fetch", raw.records, raw.seconds(), Long.toString(raw.peakHeap()), raw.value("cpuMillis")));
        System.out.println(row("engine sync", engine.records, engine.seconds(), Long.toString(engine.peakHeap()), engine.value("cpuMillis")));
        double rereadSeconds = engine.value("rereadNanos") / 1e9;
        System.out.println(row("engine re-read", engine.records, rereadSeconds, "-", engine.value("rereadCpuMillis")));
        double ratio = engine.seconds() / raw.seconds();
        System.out.printf("engine / raw = %.2f (target <= %.2f)%s%n", ratio, TARGET_RATIO, ratio <= TARGET_RATIO ? "" : "  ** over target **");
        double rereadRatio = rereadSeconds / raw.seconds();
        System.out.printf("engine re-read (every record unchanged) / raw = %.2f (target <= %.2f)%s%n", rereadRatio, REREAD_TARGET_RATIO,
                rereadRatio <= REREAD_TARGET_RATIO ? "" : "  ** over target **");
        printTenths(engine.values.getOrDefault("tenths", ""));
        if (export != null) {
            System.out.println(row("engine export", export.records, export.seconds(), Long.toString(export.peakHeap()), export.value("cpuMillis")));
            System.out.printf("initial load by $export / by paged search = %.2f (export: kick-off, the EHR's job, status polls and "
                    + "NDJSON files; poll summary: %s)%n", export.seconds() / engine.seconds(), export.summary);
        }
        if (!engine.threads.isEmpty()) {
            System.out.println("engine sync CPU by thread (s): " + java.util.Arrays.stream(engine.threads.split(","))
                    .map(pair -> pair.substring(0, pair.lastIndexOf('=')) + " " + String.format("%.1f",
                            Long.parseLong(pair.substring(pair.lastIndexOf('=') + 1)) / 1e3))
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        System.out.println("CPU: the phase JVM's own CPU time in the timed part (all its threads, GC and JIT), not the EHR's; "
                + "it changes little when other work shares the machine, so it compares two builds where wall times are noisy.");
        System.out.println("Peak heap: highest used heap of the phase's own child JVM (" + (xmx == null ? "default -Xmx" : xmx)
                + ") during the phase; the sandbox EHR runs in the parent JVM and shares neither phase's heap.");
        System.out.printf("  baseline after GC before the phase: raw %d MiB, engine %d MiB (engine started); "
                + "peak minus baseline: raw %d MiB, engine %d MiB%n",
                raw.value("baselineMiB"), engine.value("baselineMiB"),
                raw.peakHeap() - raw.value("baselineMiB"), engine.peakHeap() - engine.value("baselineMiB"));
        System.out.printf("  engine: %d portal_patient rows + %d rejected = %d, %d dead letters; poll summary: %s%n",
                engine.value("rows"), engine.value("rejected"), engine.records, engine.value("deadLetters"), engine.summary);
        return 0;
    }

    /** @param cpuMillis the phase JVM's own CPU time (client side only: the EHR's is not in it); negative: not measured */
    private static String row(String phase, long records, double seconds, String heap, long cpuMillis) {
        String cpu = cpuMillis < 0 ? "-" : String.format("%.1f", cpuMillis / 1e3);
        String perRecord = cpuMillis < 0 || records == 0 ? "-" : String.format("%.2f", (double) cpuMillis / records);
        return String.format("| %-12s | %-7d | %-8.1f | %-9d | %-15s | %-7s | %-13s |", phase, records, seconds, Math.round(records / seconds), heap,
                cpu, perRecord);
    }

    /** Runs one phase's main in a fresh JVM with this JVM's class path, its output to {@code log}. */
    private static Phase child(String name, Class<?> main, Snapshot snapshot, Path settingsFile, int n, String xmx, Path log)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (xmx != null) {
            command.add(xmx);
        }
        // JVM options for every phase alike, e.g. -Dbench.jvm-args="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
        String jvmArgs = System.getProperty("bench.jvm-args", "").trim();
        if (!jvmArgs.isEmpty()) {
            command.addAll(List.of(jvmArgs.split("\\s+")));
        }
        if (main == EngineRun.class) {
            // the engine as shipped: bin/portal-sync's options, then -Dbench.engine-jvm-args (later wins), e.g. "-XX:TieredStopAtLevel=4"
            command.addAll(engineJvmOptions());
        }
        if (Boolean.getBoolean("bench.jfr") && main == EngineRun.class) {
            // a profile of the engine phase: jfr print --events jdk.ExecutionSample target/bench/engine-<stamp>.jfr
            command.add("-XX:StartFlightRecording=filename=" + log.toAbsolutePath().toString().replace(".log", ".jfr") + ",settings=profile");
        }
        command.addAll(List.of("-cp", snapshot.classPath, main.getName(), settingsFile.toAbsolutePath().toString(),
                Integer.toString(n)));
        Process process = new ProcessBuilder(command)
                .directory(snapshot.root.toAbsolutePath().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        System.out.printf("%s: child JVM pid %d, output in %s%n", name, process.pid(), log);
        int exit = process.waitFor();
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String result = lines.stream().filter(l -> l.startsWith(RESULT)).reduce((a, b) -> b).orElse(null);
        if (exit != 0 || result == null) {
            lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.err::println);
            throw new IllegalStateException(name + " failed (exit " + exit + "), see " + log);
        }
        String summary = lines.stream().filter(l -> l.startsWith(SUMMARY)).map(l -> l.substring(SUMMARY.length()).trim())
                .reduce((a, b) -> b).orElse("");
        Phase phase = new Phase(result, summary);
        phase.threads = lines.stream().filter(l -> l.startsWith(THREADS)).map(l -> l.substring(THREADS.length()).trim())
                .reduce((a, b) -> b).orElse("");
        if (n > 0 && phase.records != n) {
            throw new IllegalStateException(name + " accounted for " + phase.records + " patients, expected " + n);
        }
        return phase;
    }

    /** The engine phase's own JVM options: those of config/jvm.options, as bin/portal-sync reads them, then -Dbench.engine-jvm-args. */
    static List<String> engineJvmOptions() throws IOException {
        List<String> options = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("config", "jvm.options"), StandardCharsets.UTF_8)) {
            String withoutComment = line.replaceAll("#.*$", "").trim();
            if (!withoutComment.isEmpty()) {
                options.addAll(List.of(withoutComment.split("\\s+")));
            }
        }
        String extra = System.getProperty("bench.engine-jvm-args", "").trim();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options;
    }

    private static String childXmx() {
        String configured = System.getProperty("bench.child-xmx");
        if (configured != null) {
            return "-Xmx" + configured;
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xmx")).reduce((a, b) -> b).orElse(null);
    }

    /** The engine's rate in each tenth of its rows, and the last tenth against the first half (a falling rate shows a growing cost). */
    private static void printTenths(String tenths) {
        if (tenths.isEmpty()) {
            return;
        }
        double[] rates = java.util.Arrays.stream(tenths.split(",")).mapToDouble(Double::parseDouble).toArray();
        StringBuilder header = new StringBuilder("| engine records/s by tenth |");
        StringBuilder line = new StringBuilder("| |");
        StringBuilder rule = new StringBuilder("| --- |");
        for (int i = 0; i < rates.length; i++) {
            header.append(' ').append(i + 1).append(" |");
            rule.append(" --- |");
            line.append(String.format(" %.0f |", rates[i]));
        }
        System.out.println();
        System.out.println(header);
        System.out.println(rule);
        System.out.println(line);
        // the first half's rate is its records over its time: the harmonic mean of its five tenths
        double firstHalf = 5 / java.util.Arrays.stream(rates, 0, 5).map(r -> r <= 0 ? Double.POSITIVE_INFINITY : 1 / r).sum();
        double last = rates[rates.length - 1];
        System.out.printf("last tenth / first half = %.2f (target >= 0.80)%s%n", last / firstHalf, last / firstHalf >= 0.8 ? "" : "  ** slowing down **");
    }

    static void writeSettings(Map<String, String> settings, Path file) throws IOException {
        Properties properties = new Properties();
        properties.putAll(settings);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(out, "portal-sync benchmark: engine settings (sandbox credentials only)");
        }
    }

    static Map<String, String> readSettings(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        Map<String, String> settings = new HashMap<>();
        properties.stringPropertyNames().forEach(key -> settings.put(key, properties.getProperty(key)));
        return settings;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /**
     * What the child JVMs run, copied when this JVM starts: the class path's directories
     * (target/classes, target/test-classes) and the engine's working-directory files (routes/,
     * config/). Others work in this tree concurrently; without the copy, a class file being
     * recompiled or a route added for a bean that is not compiled yet fails the run minutes in.
     */
    private static final class Snapshot {

        final Path root;
        final String classPath;

        private Snapshot(Path root, String classPath) {
            this.root = root;
            this.classPath = classPath;
        }

        static Snapshot take(Path root) throws IOException {
            List<String> entries = new ArrayList<>();
            int i = 0;
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path source = Path.of(entry);
                if (Files.isDirectory(source)) {
                    Path target = root.resolve("classpath").resolve(i++ + "-" + source.getFileName());
                    copyTree(source, target);
                    entries.add(target.toAbsolutePath().toString());
                } else {
                    entries.add(entry);
                }
            }
            for (String folder : List.of("routes", "config")) {
                if (Files.isDirectory(Path.of(folder))) {
                    copyTree(Path.of(folder), root.resolve(folder));
                }
            }
            return new Snapshot(root, String.join(File.pathSeparator, entries));
        }

        void delete() {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(file);
                }
            } catch (IOException e) {
                System.err.println("could not delete " + root + ": " + e);
            }
        }

        private static void copyTree(Path source, Path target) throws IOException {
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Path copy = target.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
    }

    /** A child's {@link #RESULT} line: key=value pairs. */
    private static final class Phase {

        final Map<String, String> values = new HashMap<>();
        final long records;
        final String summary;
        String threads = "";

        Phase(String line, String summary) {
            for (String pair : line.substring(RESULT.length()).trim().split(" ")) {
                int equals = pair.indexOf('=');
                values.put(pair.substring(0, equals), pair.substring(equals + 1));
            }
            this.records = value("records");
            this.summary = summary;
        }

        long value(String key) {
            return Long.parseLong(values.getOrDefault(key, "0"));
        }

        double seconds() {
            return value("nanos") / 1e9;
        }

        long peakHeap() {
            return Math.max(value("sampledPeakMiB"), value("poolPeaksMiB"));
        }
    }
}
