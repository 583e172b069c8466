package org.portalsync.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.TestDatabases;
import org.portalsync.source.hl7v2.AdtBurst;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * HL7 v2 over MLLP into the portal database: {@code ./mvnw -Pbench-mllp}. For each database in {@code bench.db}
 * (h2 = an H2 file, postgresql = an embedded PostgreSQL; both by default) starts the engine with its MLLP listener
 * and the shipped ADT mapping, sends a warm-up burst, then {@code bench.mllp.messages} ADT messages (an A04 and
 * A08s per patient, {@link AdtBurst}) from {@code bench.mllp.clients} concurrent HAPI v2 MLLP clients, each waiting
 * for its ACK before the next message, as a legacy EHR does. An ACK comes only after the message is committed.
 * Prints a table: ACKed messages per second, p50/p99 ACK latency, the rate at which the inbox is applied to the
 * portal, and the messages lost or doubled (each checked against what was sent). Not a timed test: clients and
 * engine share this JVM and its cores.
 */
public final class MllpBenchmark {

    private record Result(String database, int messages, int clients, double ackedPerSecond, double ackP50, double ackP99,
            double appliedPerSecond, double engineCpuPerMessage, double clientCpuPerMessage, double databaseCpuPerMessage, double machineBusy,
            long nacks, long lost, long doubled, long wrongValues, FileSizes h2File, double jitShare, boolean warmUp) {

        Result asWarmUp() {
            return new Result(database, messages, clients, ackedPerSecond, ackP50, ackP99, appliedPerSecond, engineCpuPerMessage,
                    clientCpuPerMessage, databaseCpuPerMessage, machineBusy, nacks, lost, doubled, wrongValues, h2File, jitShare, true);
        }
    }

    /** An H2 file's largest size during a burst, its size at the end, and what H2 wrote to it meanwhile, in bytes. */
    private record FileSizes(long peak, long atEnd, long written) {
    }

    /** Only the listener: nothing applies the inbox, so that a profile shows the path to the ACK alone. */
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private static final boolean ACK_ONLY = Boolean.getBoolean("bench.mllp.ack-only");
    /** Two in five messages SIU (an S12, then an S13), the rest ADT; false: ADT only. */
    private static final boolean APPOINTMENTS = !"false".equals(System.getProperty("bench.mllp.appointments"));

    public static void main(String[] args) throws Exception {
        int messages = Integer.getInteger("bench.mllp.messages", 20_000);
        int clients = Integer.getInteger("bench.mllp.clients", 8);
        // measure a warm engine, as a listener running for hours is: after the warm-up, more warm-up bursts until the JIT's
        // compiler threads used less than this share of the engine's CPU (on 2 cores, C2 was still compiling the path after
        // 100,000 messages), but no more than max-warm-up messages in all
        int warmUp = Integer.getInteger("bench.mllp.warm-up", 40_000);
        double warmJitShare = Double.parseDouble(System.getProperty("bench.mllp.warm-jit-share", "0.10"));
        int maxWarmUp = Integer.getInteger("bench.mllp.max-warm-up", 200_000);
        int bursts = Integer.getInteger("bench.mllp.bursts", 1);
        int versions = 5;
        List<Result> results = new ArrayList<>();
        Path dir = Path.of("target", "bench");
        Files.createDirectories(dir);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        int exit = 1;
        try {
            for (String database : System.getProperty("bench.db", "h2,postgresql").split(",")) {
                database = database.strip();
                Map<String, String> settings = TestEngine.settingsWithoutEhr(database);
                Path h2File = dir.toAbsolutePath().resolve("mllp-" + stamp + ".mv.db");
                // an AA must mean stored: a commit returns once it is on disk (PostgreSQL: its log) or in the file (H2)
                settings.put(PortalSyncSettings.DB_URL, database.equals("h2") ? "jdbc:h2:file:" + dir.toAbsolutePath().resolve("mllp-" + stamp)
                        + System.getProperty("bench.h2.url-options", "") : TestDatabases.durableJdbcUrl(database));
                int port = FreePorts.next();
                settings.put(PortalSyncSettings.HL7V2_MLLP_ENABLED, "true");
                settings.put(PortalSyncSettings.HL7V2_MLLP_PORT, String.valueOf(port));
                // one connection per client: the listener would close those over its limit
                settings.put(PortalSyncSettings.HL7V2_MLLP_MAX_CONNECTIONS, String.valueOf(Math.max(clients, 20)));
                settings.put(PortalSyncSettings.HL7V2_INBOX_SWEEP_INTERVAL, "1s");
                settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, dir.toAbsolutePath().resolve("cluster-mllp-" + stamp + database).toString());
                try (TestEngine engine = TestEngine.start(settings)) {
                    if (ACK_ONLY) {
                        engine.stopRoute("hl7v2-inbox");
                        engine.stopRoute("hl7v2-inbox-sweep");
                    }
                    Result warming = run(engine, port, new AdtBurst(warmUp / versions, versions, clients, 1, APPOINTMENTS), database, h2File);
                    results.add(warming.asWarmUp());
                    for (int sent = warmUp, seed = 100; warming.jitShare() >= warmJitShare && sent + messages <= maxWarmUp; sent += messages, seed++) {
                        warming = run(engine, port, new AdtBurst(messages / versions, versions, clients, seed, APPOINTMENTS), database, h2File);
                        results.add(warming.asWarmUp());
                    }
                    // several measured bursts, a row each: on a shared machine one burst's rate says little on its own
                    for (int burst = 0; burst < bursts; burst++) {
                        results.add(run(engine, port, new AdtBurst(messages / versions, versions, clients, 2 + burst, APPOINTMENTS), database, h2File));
                    }
                }
            }
            print(results);
            exit = 0;
        } finally {
            System.exit(exit);
        }
    }

    private static Result run(TestEngine engine, int port, AdtBurst burst, String database, Path h2File) throws Exception {
        PeakSampler fileSize = database.equals("h2") ? PeakSampler.start("bench-file-size-sampler", 1000, () -> size(h2File)) : null;
        long writtenBefore = database.equals("h2") ? h2BytesWritten(engine) : 0;
        ThreadCpu cpu = ThreadCpu.start();
        MachineCpu machine = MachineCpu.start("postgres");
        long start = System.nanoTime();
        List<AdtBurst.Sent> answers = burst.send(port);
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> ackCpu = cpu.usedByGroup();
        long databaseMillis = database.equals("postgresql") ? machine.processMillis() : 0;
        double machineBusy = machine.busyShare();
        String controlIds = "C" + burst.seed() + "-%";
        // by the status index, and not too often: the engine's cores are the ones measured
        while (!ACK_ONLY && engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE status IN ('PENDING', 'WORKING')") > 0) {
            Thread.sleep(100);
        }
        double applySeconds = ACK_ONLY ? Double.POSITIVE_INFINITY : (System.nanoTime() - start) / 1e9;
        FileSizes fileSizes = fileSize == null ? null : new FileSizes(fileSize.stop(), size(h2File), h2BytesWritten(engine) - writtenBefore);
        long[] nanos = answers.stream().mapToLong(AdtBurst.Sent::nanos).sorted().toArray();
        long nacks = answers.stream().filter(sent -> !"AA".equals(sent.ackCode())).count();
        long stored = engine.count("SELECT COUNT(DISTINCT control_id) FROM legacy_inbox WHERE control_id LIKE ?", controlIds);
        long rows = engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE control_id LIKE ?", controlIds);
        String mrns = "B" + burst.seed() + "-%";
        long wrong = ACK_ONLY ? 0 : burst.patients() - engine.count("SELECT COUNT(*) FROM portal_patient WHERE mrn LIKE ? AND legal_given = ?", mrns,
                burst.finalGivenName());
        if (!ACK_ONLY && APPOINTMENTS) {
            wrong += burst.patients() - burst.patientsWithTheirLastAppointment(engine);
        }
        Result result = new Result(database, burst.messages(), answers.isEmpty() ? 0 : burst.clients(), (answers.size() - nacks) / sendSeconds,
                percentile(nanos, 0.50), percentile(nanos, 0.99), burst.messages() / applySeconds, engineMillis(ackCpu) / burst.messages(),
                (double) clientMillis(ackCpu) / burst.messages(), (double) databaseMillis / burst.messages(), machineBusy, nacks,
                (answers.size() - nacks) - stored, rows - stored, wrong, fileSizes, jitMillis(ackCpu) / engineMillis(ackCpu), false);
        System.out.printf("%s: %d messages ACKed in %.1f s, applied in %.1f s; CPU while ACKing: %s%n", database, answers.size(), sendSeconds,
                applySeconds, ThreadCpu.format(ackCpu, 8));
        return result;
    }

    /** What H2 has written to its file since it opened it (its chunks, their rewrites by its housekeeping, the headers). */
    private static long h2BytesWritten(TestEngine engine) throws java.sql.SQLException {
        return engine.count("SELECT CAST(SETTING_VALUE AS BIGINT) FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'info.FILE_WRITE_BYTES'");
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** CPU of every thread but the clients' (the engine's, the JIT's and the GC's): what a server would spend. */
    private static double engineMillis(Map<String, Long> byGroup) {
        return byGroup.getOrDefault("", 0L) - clientMillis(byGroup);
    }

    /** The JIT's compiler threads (C1 and C2; Linux names them {@code C1 CompilerThre}, {@code C2 CompilerThre}). */
    private static double jitMillis(Map<String, Long> byGroup) {
        return byGroup.entrySet().stream().filter(e -> e.getKey().contains("CompilerThre")).mapToLong(Map.Entry::getValue).sum();
    }

    private static long clientMillis(Map<String, Long> byGroup) {
        return byGroup.entrySet().stream().filter(e -> e.getKey().startsWith(AdtBurst.CLIENT_THREAD)).mapToLong(Map.Entry::getValue).sum();
    }

    private static double percentile(long[] sortedNanos, double quantile) {
        if (sortedNanos.length == 0) {
            return 0;
        }
        return sortedNanos[Math.min(sortedNanos.length - 1, (int) Math.ceil(quantile * sortedNanos.length) - 1)] / 1e6;
    }

    private static void print(List<Result> results) {
        System.out.println();
        System.out.println("| database | messages | clients | ACKed/s | ACK p50 ms | ACK p99 ms | applied/s | engine CPU ms/msg while ACKing | ACKed/s its CPU allows on %d cores | clients' CPU ms/msg | database server CPU ms/msg | machine busy | NACKs | lost | doubled | wrong values | H2 file MB: peak / at end | H2 KB written per message | JIT share of engine CPU |".formatted(CORES));
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Result r : results) {
            System.out.printf("| %s | %,d | %d | %,.0f | %.1f | %.1f | %,.0f | %.2f | %,.0f | %.2f | %s | %s | %d | %d | %d | %d | %s | %s | %.0f%% |%n",
                    r.warmUp() ? r.database() + " (warm-up)" : r.database(),
                    r.messages(), r.clients(), r.ackedPerSecond(), r.ackP50(), r.ackP99(), r.appliedPerSecond(), r.engineCpuPerMessage(),
                    CORES * 1000 / r.engineCpuPerMessage(), r.clientCpuPerMessage(),
                    r.database().equals("postgresql") ? "%.2f".formatted(r.databaseCpuPerMessage()) : "(in the engine)",
                    r.machineBusy() < 0 ? "?" : "%.0f%%".formatted(100 * r.machineBusy()), r.nacks(), r.lost(), r.doubled(), r.wrongValues(),
                    r.h2File() == null ? "-" : "%,d / %,d".formatted(r.h2File().peak() / 1_000_000, r.h2File().atEnd() / 1_000_000),
                    r.h2File() == null ? "-" : "%.1f".formatted(r.h2File().written() / 1000.0 / r.messages()), 100 * r.jitShare());
        }
        System.out.println();
        results.stream().map(Result::database).distinct().forEach(database -> {
            List<Result> warmUps = results.stream().filter(r -> r.database().equals(database) && r.warmUp()).toList();
            System.out.printf("%s: warm after %,d messages (%.0f s), the JIT's share of the engine's CPU %.0f%% in the last warm-up burst%n",
                    database, warmUps.stream().mapToInt(Result::messages).sum(), warmUps.stream().mapToDouble(r -> r.messages() / r.ackedPerSecond()).sum(),
                    100 * warmUps.get(warmUps.size() - 1).jitShare());
            double[] rates = results.stream().filter(r -> r.database().equals(database) && !r.warmUp()).mapToDouble(Result::ackedPerSecond)
                    .sorted().toArray();
            System.out.printf("%s: %d of %d measured bursts at 2,000 ACKed/s or more; min / median / max %,.0f / %,.0f / %,.0f%n", database,
                    Arrays.stream(rates).filter(rate -> rate >= 2000).count(), rates.length, rates[0], rates[rates.length / 2], rates[rates.length - 1]);
        });
        System.out.println("Messages: " + (APPOINTMENTS ? "ADT and SIU, per patient an A04, an S12, an A08, an S13 and an A08 "
                + "(-Dbench.mllp.appointments=false: ADT only)" : "ADT only, per patient an A04 and four A08s") + ".");
        System.out.println("Target: at least 2,000 ACKed messages/s on 2 cores, none lost or doubled. applied/s counts from the first message "
                + "sent to the last one in the portal. lost = ACKed AA but not in the inbox; wrong values = patients without their last "
                + "message's name, or without their appointment at the last SIU's time. Engine CPU counts every thread but the clients' (JIT and GC included) while the burst is sent, "
                + "the inbox being applied meanwhile unless -Dbench.mllp.ack-only=true; on a shared machine it is the steadier figure. "
                + "The clients (HAPI v2, in this JVM) and the database server (embedded PostgreSQL's processes) share the same cores; "
                + "machine busy is all cores' busy time over the burst, whatever used it. H2 file: its largest size during the "
                + "measured burst (read every second, until the inbox is applied) and its size then, warm-up included; H2 reuses "
                + "superseded space only after 45 s, so under load the file holds several times its data (README \"Where the data goes\"). "
                + "H2 KB written: all H2 wrote to its file from the burst's start until it was applied, over the messages sent, its "
                + "housekeeping's rewrites of older chunks included. JIT share: the CPU of the JIT's compiler threads (compiling the "
                + "clients' code too) over the engine's; the warm-up goes on, a burst at a time, until it is under "
                + "-Dbench.mllp.warm-jit-share (0.10) or -Dbench.mllp.max-warm-up messages (200,000) were sent.");
        System.out.printf("cores: %d, JVM heap max %d MiB%n", CORES, Runtime.getRuntime().maxMemory() >> 20);
    }

}
