package org.portalsync.bench;

import java.nio.file.Path;
import java.util.Map;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * Child JVM of {@link SyncBenchmark}: starts the real engine against the parent's sandbox and an
 * empty H2 file portal database, and times one full poll; then, with the high-water mark cleared, a
 * second poll that re-reads every record unchanged (what an overlap re-read costs per record). Alone in
 * its JVM so its heap is its own.
 * Args: settings file (written by the parent), N.
 */
public final class EngineRun {

    private EngineRun() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = SyncBenchmark.readSettings(Path.of(args[0]));
        long expected = Long.parseLong(args[1]);
        int exit;
        try (TestEngine engine = TestEngine.start(settings)) {
            // on PostgreSQL, what each poll costs the server, statement by statement, goes to this phase's log
            PostgresStatements syncStatements = postgresStatements(settings);
            HeapSampler heap = HeapSampler.start();
            ThreadCpu threads = ThreadCpu.start();
            ProgressSampler progress = ProgressSampler.start(engine.database());
            long started = System.nanoTime();
            String summary = engine.poll();
            long nanos = System.nanoTime() - started;
            HeapSampler.Result used = heap.stop();
            System.out.println(SyncBenchmark.THREADS + " " + threads.stop(8));
            if (syncStatements != null) {
                syncStatements.print("synced record", expected, 20);
            }

            long rows = engine.count("SELECT COUNT(*) FROM portal_patient");
            String tenths = progress.stop(rows, nanos);
            long rejected = engine.count("SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE");
            try (var connection = engine.database().getConnection(); var clear = connection.createStatement()) {
                clear.executeUpdate("DELETE FROM sync_high_water_mark");
            }
            PostgresStatements statements = postgresStatements(settings);
            long rereadCpuStarted = HeapSampler.processCpuNanos();
            long rereadStarted = System.nanoTime();
            String reread = engine.poll();
            long rereadNanos = System.nanoTime() - rereadStarted;
            long rereadCpuMillis = (HeapSampler.processCpuNanos() - rereadCpuStarted) / 1_000_000;
            System.out.println("BENCH-REREAD " + reread);
            if (statements != null) {
                statements.print("re-read record", expected, 20);
            }
            long deadLetters = engine.count("SELECT COUNT(*) FROM dead_letter");
            System.out.println(SyncBenchmark.SUMMARY + " " + summary);
            System.out.println(SyncBenchmark.RESULT + " records=" + (rows + rejected) + " nanos=" + nanos + " " + used.toLine()
                    + " rows=" + rows + " rejected=" + rejected + " deadLetters=" + deadLetters + " tenths=" + tenths
                    + " rereadNanos=" + rereadNanos + " rereadCpuMillis=" + rereadCpuMillis);
            exit = rows + rejected == expected ? 0 : 2;
            if (exit != 0) {
                System.err.println("engine wrote " + rows + " portal_patient rows and rejected " + rejected + ", expected " + expected
                        + " in all (" + deadLetters + " dead letters)");
            }
        }
        System.exit(exit);
    }

    private static PostgresStatements postgresStatements(Map<String, String> settings) throws java.sql.SQLException {
        String url = settings.get(PortalSyncSettings.DB_URL);
        return url.startsWith("jdbc:postgresql") ? PostgresStatements.reset(url, settings.get(PortalSyncSettings.DB_USER)) : null;
    }
}
