package org.portalsync.bench;

import java.nio.file.Path;
import java.util.Map;

/**
 * Child JVM of {@link SyncBenchmark}: the raw fetch phase, alone in its JVM so its heap is its own.
 * Args: settings file (written by the parent), N (0: whatever the server holds).
 */
public final class RawFetchRun {

    private RawFetchRun() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = SyncBenchmark.readSettings(Path.of(args[0]));
        long expected = Long.parseLong(args[1]);
        RawFetch raw = new RawFetch(settings); // FhirContext set-up, like the engine's start, is not timed

        HeapSampler heap = HeapSampler.start();
        long started = System.nanoTime();
        long entries = raw.run(Long.MAX_VALUE);
        long nanos = System.nanoTime() - started;
        HeapSampler.Result used = heap.stop();

        System.out.println(SyncBenchmark.RESULT + " records=" + entries + " nanos=" + nanos + " " + used.toLine());
        if (expected > 0 && entries != expected) {
            System.err.println("raw fetch read " + entries + " patients, expected " + expected);
            System.exit(2);
        }
        System.exit(0);
    }
}
