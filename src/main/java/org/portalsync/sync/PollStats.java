package org.portalsync.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Counts of one poll, for its one-line summary. Lives in an exchange property of the poll, so a
 * poll's split steps (which run one at a time) update the same object.
 */
public final class PollStats {

    private final Instant startedAt;
    private final String records;
    private final Map<SyncOutcome, Integer> outcomes = new EnumMap<>(SyncOutcome.class);
    private final Consumer<SyncOutcome> onRecord;
    private int pages;
    private String failure;

    public PollStats(Instant startedAt) {
        this(startedAt, "patients");
    }

    /** @param records what the poll syncs, plural, for the summary: {@code patients}, {@code Coverage resources} */
    public PollStats(Instant startedAt, String records) {
        this(startedAt, records, outcome -> { });
    }

    /** @param onRecord told of each record's outcome as it is counted (the engine's metrics) */
    public PollStats(Instant startedAt, String records, Consumer<SyncOutcome> onRecord) {
        this.startedAt = startedAt;
        this.records = records;
        this.onRecord = onRecord;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public synchronized void pageFetched() {
        pages++;
    }

    public synchronized void record(SyncOutcome outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
        onRecord.accept(outcome);
    }

    public synchronized void failed(String reason) {
        failure = reason;
    }

    public synchronized int count(SyncOutcome... kinds) {
        int total = 0;
        for (SyncOutcome kind : kinds) {
            total += outcomes.getOrDefault(kind, 0);
        }
        return total;
    }

    public synchronized int pages() {
        return pages;
    }

    public synchronized String failure() {
        return failure;
    }

    /** e.g. {@code Synced 500 patients (10 pages, 0 errors) in 4.1 s: 480 new, 20 updated, 0 archived, 3 unchanged}. */
    public synchronized String summary(Instant now) {
        int synced = count(SyncOutcome.CREATED, SyncOutcome.UPDATED, SyncOutcome.ARCHIVED);
        int errors = count(SyncOutcome.REJECTED, SyncOutcome.DEAD_LETTERED);
        double seconds = Duration.between(startedAt, now).toMillis() / 1000.0;
        String line = String.format(java.util.Locale.ROOT,
                "Synced %d %s (%d pages, %d errors) in %.1f s: %d new, %d updated, %d archived, %d unchanged, %d rejected, %d dead-lettered",
                synced, records, pages, errors, seconds, count(SyncOutcome.CREATED), count(SyncOutcome.UPDATED),
                count(SyncOutcome.ARCHIVED), count(SyncOutcome.UNCHANGED), count(SyncOutcome.REJECTED),
                count(SyncOutcome.DEAD_LETTERED));
        if (count(SyncOutcome.STALE) > 0) {
            line += ", " + count(SyncOutcome.STALE) + " older than the portal's (ignored)";
        }
        return failure == null ? line : line + "; poll stopped early: " + failure;
    }
}
