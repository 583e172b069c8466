package org.portalsync.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.sync.TestEngine;
import org.portalsync.webhook.WebhookTestClient;

/**
 * Webhook to portal database: {@code ./mvnw -Pbench-webhook [-Dbench.db=postgresql]}. Starts a sandbox EHR with patients and
 * the engine (H2 file database, or an embedded PostgreSQL; webhooks on), then sends signed id-only notifications over HTTP, each
 * naming a patient the portal does not hold yet (a real insert):
 * <ol>
 * <li>steady: {@code bench.webhook.rate} per second (200) for {@code bench.webhook.seconds} (15), sent on
 * schedule whatever the answers do (an open loop, as an EHR sends);</li>
 * <li>saturation: {@code bench.webhook.burst} notifications (3,000) from 16 senders as fast as they are
 * answered.</li>
 * </ol>
 * Latency is from the moment a notification is sent to the moment its inbox row is marked done, which
 * happens after the patient's portal transaction committed (both on this JVM's clock). Prints a table:
 * the answer's latency (202) and webhook-to-portal latency, p50 and p99, and throughput.
 * Not a timed test: the EHR and the engine share this JVM and its cores, as in the test suite.
 */
public final class WebhookBenchmark {

    private static final Pattern INBOX_ID = Pattern.compile("\"inbox_id\":(\\d+)");

    private record Sent(long inboxId, Instant at, long answerNanos) {
    }

    private record Result(String phase, int notifications, double sendRate, double answerP50, double answerP99, double syncP50,
            double syncP99, double throughput, double cpuShare, double jitShare) {

        Result named(String name, double cpu, double jit) {
            return new Result(name, notifications, sendRate, answerP50, answerP99, syncP50, syncP99, throughput, cpu, jit);
        }
    }

    private interface Phase {
        Result run() throws Exception;
    }

    /** Runs a phase and notes its CPU: in all and the JIT compiler's, as shares of all cores over the phase. */
    private static Result withCpu(String name, List<String> cpu, Phase phase) throws Exception {
        ThreadCpu threads = ThreadCpu.start();
        long start = System.nanoTime();
        Result result = phase.run();
        Map<String, Long> used = threads.usedByGroup();
        double available = (System.nanoTime() - start) / 1e6 * Runtime.getRuntime().availableProcessors();
        cpu.add(name + ": " + ThreadCpu.format(used, 12));
        return result.named(name, used.getOrDefault("", 0L) / available, ThreadCpu.compilerMillis(used) / available);
    }

    public static void main(String[] args) throws Exception {
        int rate = Integer.getInteger("bench.webhook.rate", 200);
        int seconds = Integer.getInteger("bench.webhook.seconds", 15);
        int burst = Integer.getInteger("bench.webhook.burst", 3000);
        // a running engine is warm: the JIT has compiled the path, which on 2 cores takes minutes of this load
        int warmUpWindows = Integer.getInteger("bench.webhook.warm-up-windows", 12);
        String workers = System.getProperty("bench.webhook.workers", "2");
        String batchSize = System.getProperty("bench.webhook.batch-size", "20");
        long seed = Long.getLong("bench.seed", 10299L);
        int steady = rate * seconds;
        Path dir = Path.of("target", "bench");
        Files.createDirectories(dir);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        int exit = 1;
        String baseUrl = System.getProperty("bench.base-url", "").strip();
        String database = System.getProperty("bench.db", "h2").strip();
        int patients = (warmUpWindows + 1) * steady + burst;
        // the EHR in this JVM by default; with bench.base-url one in its own process, as in production, seeded over its API
        SandboxEhr ehr = baseUrl.isEmpty() ? SandboxEhr.start(0) : null;
        try {
            long seeding = System.nanoTime();
            Map<String, String> settings;
            List<String> ids;
            if (ehr != null) {
                ids = ehr.seedPatients(patients, seed, SandboxPatientGenerator.DefectRates.SANDBOX);
                settings = new HashMap<>(TestEngine.settingsFor(ehr, ehr.fhirBaseUrl(), "h2", seed));
            } else {
                settings = new HashMap<>(TestEngine.settingsForServer(baseUrl, System.getProperty("bench.token-url", ""),
                        System.getProperty("bench.client-id", ""), System.getenv().getOrDefault("BENCH_CLIENT_SECRET", ""), "h2",
                        "_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "|seed-" + seed));
                if (baseUrl.startsWith("http:")) {
                    settings.put(PortalSyncSettings.FHIR_ALLOW_INSECURE_HTTP, "true");
                }
                ids = RemoteSeeder.seed(baseUrl, new RawFetch(settings).token(), patients, seed, SandboxPatientGenerator.DefectRates.SANDBOX);
            }
            System.out.printf("seeded %d patients in %.1f s (%s)%n", ids.size(), (System.nanoTime() - seeding) / 1e9,
                    ehr != null ? "sandbox EHR in this JVM" : baseUrl);
            // an H2 file by default, as a site on the embedded defaults; a 202 must mean stored on disk in either
            settings.put(PortalSyncSettings.DB_URL, database.equals("h2") ? "jdbc:h2:file:" + dir.toAbsolutePath().resolve("webhook-" + stamp)
                    : TestDatabases.durableJdbcUrl(database));
            settings.put(PortalSyncSettings.DB_USER, TestDatabases.user(database));
            settings.put(PortalSyncSettings.FHIR_REQUESTS_PER_MINUTE, "1000000");
            settings.put(PortalSyncSettings.WEBHOOK_ENABLED, "true");
            settings.put(PortalSyncSettings.WEBHOOK_SECRET, WebhookTestClient.SECRET);
            settings.put(PortalSyncSettings.WEBHOOK_WORKERS, workers);
            settings.put(PortalSyncSettings.WEBHOOK_BATCH_SIZE, batchSize);
            settings.put(PortalSyncSettings.SYNC_WORKERS, "1");
            settings.put(PortalSyncSettings.DB_POOL_SIZE, String.valueOf(Integer.parseInt(workers) + 4));
            try (TestEngine engine = TestEngine.start(settings)) {
                WebhookTestClient client = new WebhookTestClient(engine.apiBaseUrl(), "ehr");
                // HTTP/1.1: an h2c upgrade would put every request on one connection, and the server caps its streams
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
                List<Result> results = new ArrayList<>();
                List<String> cpu = new ArrayList<>();
                for (int window = 0; window < warmUpWindows; window++) {
                    List<String> batch = ids.subList(window * steady, (window + 1) * steady);
                    String phase = "warm-up " + (window + 1) + "/" + warmUpWindows + " (not the target)";
                    // the first as fast as answered: a cold engine cannot keep up with the rate, and an open loop would pile up connections
                    results.add(window == 0 ? withCpu(phase, cpu, () -> saturation(engine, http, client, batch, 16))
                            : withCpu(phase, cpu, () -> steady(engine, http, client, batch, rate)));
                }
                List<String> measured = ids.subList(warmUpWindows * steady, ids.size());
                // on PostgreSQL, what the measured window costs the server, per notification (the benchmark's own polling is among it)
                PostgresStatements statements = database.equals("postgresql")
                        ? PostgresStatements.reset(settings.get(PortalSyncSettings.DB_URL), settings.get(PortalSyncSettings.DB_USER)) : null;
                Result steadyResult = withCpu("steady " + rate + "/s", cpu, () -> steady(engine, http, client, measured.subList(0, steady), rate));
                results.add(steadyResult);
                if (statements != null) {
                    statements.print("notification", steady, 25);
                }
                results.add(withCpu("saturation", cpu, () -> saturation(engine, http, client, measured.subList(steady, steady + burst), 16)));
                print(results, steadyResult, rate, workers, batchSize, database);
                System.out.println(ehr != null ? "CPU ms by thread (EHR, engine and senders share this JVM):"
                        : "CPU ms by thread (engine and senders; the EHR runs in its own process):");
                cpu.forEach(line -> System.out.println("  " + line));
                exit = 0;
            }
        } catch (Exception | AssertionError e) {
            System.err.println("BENCHMARK FAILED: " + e);
            e.printStackTrace();
        } finally {
            if (ehr != null) {
                ehr.close();
            }
        }
        System.exit(exit); // HAPI leaves non-daemon threads behind
    }

    private static Result steady(TestEngine engine, HttpClient http, WebhookTestClient client, List<String> ids, int rate) throws Exception {
        Map<String, Sent> sent = new ConcurrentHashMap<>();
        List<CompletableFuture<?>> answers = new ArrayList<>();
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        Instant started = Instant.now();
        for (int i = 0; i < ids.size(); i++) {
            long wait = start + i * periodNanos - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            answers.add(send(http, client, ids.get(i), sent));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        return measure(engine, "steady " + rate + "/s", sent, started, ids.size() / sendSeconds);
    }

    private static Result saturation(TestEngine engine, HttpClient http, WebhookTestClient client, List<String> ids, int senders)
            throws Exception {
        Map<String, Sent> sent = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(senders);
        List<CompletableFuture<?>> answers = new ArrayList<>();
        long start = System.nanoTime();
        Instant started = Instant.now();
        for (String id : ids) {
            inFlight.acquire();
            answers.add(send(http, client, id, sent).whenComplete((ok, failure) -> inFlight.release()));
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
        double sendSeconds = (System.nanoTime() - start) / 1e9;
        return measure(engine, "saturation", sent, started, ids.size() / sendSeconds);
    }

    private static CompletableFuture<?> send(HttpClient http, WebhookTestClient client, String id, Map<String, Sent> sent) {
        HttpRequest request = client.signed(WebhookTestClient.idOnly("Patient", id), Instant.now(), UUID.randomUUID().toString(),
                WebhookTestClient.SECRET);
        Instant at = Instant.now();
        long t0 = System.nanoTime();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(response -> {
            long answered = System.nanoTime() - t0;
            Matcher inbox = INBOX_ID.matcher(response.body());
            if (response.statusCode() != 202 || !inbox.find()) {
                throw new IllegalStateException("notification refused: " + response.statusCode() + " " + response.body());
            }
            sent.put(id, new Sent(Long.parseLong(inbox.group(1)), at, answered));
        });
    }

    private static Result measure(TestEngine engine, String phase, Map<String, Sent> sent, Instant started, double sendRate) throws Exception {
        Instant until = Instant.now().plusSeconds(300);
        while (engine.count("SELECT COUNT(*) FROM webhook_inbox_item WHERE done_at IS NULL") > 0) {
            if (Instant.now().isAfter(until)) {
                throw new IllegalStateException("the inbox was not drained within 5 minutes");
            }
            Thread.sleep(20);
        }
        Map<Long, Instant> done = new HashMap<>();
        for (Map<String, Object> row : engine.rows("SELECT inbox_id, done_at FROM webhook_inbox_item")) {
            // H2 gives an OffsetDateTime, PostgreSQL's driver a Timestamp
            Object doneAt = row.get("done_at");
            done.put(((Number) row.get("inbox_id")).longValue(),
                    doneAt instanceof OffsetDateTime offset ? offset.toInstant() : ((java.sql.Timestamp) doneAt).toInstant());
        }
        List<Double> answer = new ArrayList<>();
        List<Double> sync = new ArrayList<>();
        Instant last = started;
        for (Sent one : sent.values()) {
            Instant finished = done.get(one.inboxId());
            answer.add(one.answerNanos() / 1e6);
            sync.add(Duration.between(one.at(), finished).toNanos() / 1e6);
            last = finished.isAfter(last) ? finished : last;
        }
        double seconds = Duration.between(started, last).toNanos() / 1e9;
        return new Result(phase, sent.size(), sendRate, percentile(answer, 50), percentile(answer, 99), percentile(sync, 50),
                percentile(sync, 99), sent.size() / seconds, 0, 0);
    }

    private static double percentile(List<Double> values, int p) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static void print(List<Result> results, Result steady, int rate, String workers, String batchSize, String database) {
        System.out.println();
        System.out.printf("webhook -> portal DB (%s), %s inbox workers, batches of up to %s, %d cores%n",
                database.equals("h2") ? "H2 file" : database + ", synchronous commits", workers, batchSize, Runtime.getRuntime().availableProcessors());
        System.out.println("| phase | notifications | sent/s | 202 answer p50 ms | p99 ms | webhook -> portal p50 ms | p99 ms | synced/s "
                + "| CPU used | of it JIT |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Result r : results) {
            System.out.printf("| %s | %d | %.0f | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f%% | %.0f%% |%n", r.phase(), r.notifications(),
                    r.sendRate(), r.answerP50(), r.answerP99(), r.syncP50(), r.syncP99(), r.throughput(), 100 * r.cpuShare(),
                    100 * r.jitShare());
        }
        System.out.println("CPU used: of all cores over the phase, by every thread of this JVM (EHR, engine, senders, JIT, GC)");
        System.out.printf("target: p99 webhook -> portal at most 50 ms at %d/s: %s%n", rate, steady.syncP99() <= 50 ? "met" : "NOT met");
    }
}
