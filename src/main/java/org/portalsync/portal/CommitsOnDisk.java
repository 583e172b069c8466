package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

/**
 * Waits until a commit is on disk. An H2 file database keeps what was committed in the last half second (its
 * WRITE_DELAY) in memory, so a killed engine would lose messages it had answered AA. One {@code CHECKPOINT SYNC}
 * (the file written, then forced to the device, so that a power cut does not lose it either; a plain
 * {@code CHECKPOINT} only hands the file to the operating system) serves every commit whose caller asked before it
 * began: under load, many acknowledgements share one. Writing every commit at once instead ({@code WRITE_DELAY=0})
 * made each of them rewrite the store, and the webhook path fell behind at 200 notifications/s. PostgreSQL (its {@code synchronous_commit}) and an in-memory
 * H2 need nothing.
 */
final class CommitsOnDisk {

    /**
     * Shortest time from one checkpoint's start to the next, for callers that come one by one (webhooks at 200 a
     * second would each get a checkpoint of their own, each writing every page changed since the last one): waiting out
     * the rest of the interval lets those that come meanwhile share it. A lone caller after a quiet spell does not wait.
     * A caller that batches its own acknowledgements (the MLLP listener's writer, a dropped file) does not wait either:
     * it gathered them already, and the wait would only keep it idle.
     */
    static final Duration MIN_INTERVAL = Duration.ofMillis(10);

    private final DataSource dataSource;
    private final boolean needed;
    private final Duration minInterval;
    private final AtomicLong asked = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private final ReentrantLock checkpoint = new ReentrantLock();
    /** guarded by {@link #checkpoint}: every commit asked for up to this number is on disk */
    private long onDisk;
    /** guarded by {@link #checkpoint}: {@link System#nanoTime()} when the last checkpoint started */
    private long lastStart;

    CommitsOnDisk(DataSource dataSource, boolean needed) {
        this(dataSource, needed, MIN_INTERVAL);
    }

    CommitsOnDisk(DataSource dataSource, boolean needed, Duration minInterval) {
        this.dataSource = dataSource;
        this.needed = needed;
        this.minInterval = minInterval;
        this.lastStart = System.nanoTime() - minInterval.toNanos();
    }

    /** Checkpoints run so far. */
    long checkpoints() {
        return checkpoints.get();
    }

    /** Returns once every commit the caller made before this call is on disk, sharing a checkpoint with others. */
    void await() {
        await(true);
    }

    /**
     * As {@link #await()}, for a caller that has gathered its acknowledgements already: its checkpoint does not wait
     * out {@link #MIN_INTERVAL} (one another caller started may still be running).
     */
    void awaitBatch() {
        await(false);
    }

    private void await(boolean shareWithLaterCallers) {
        if (!needed) {
            return;
        }
        long mine = asked.incrementAndGet();
        checkpoint.lock();
        try {
            if (onDisk >= mine) {
                return;
            }
            long due = lastStart + minInterval.toNanos() - System.nanoTime();
            if (shareWithLaterCallers && due > 0) {
                // the others arriving meanwhile queue on the lock, and this checkpoint covers them
                TimeUnit.NANOSECONDS.sleep(due);
            }
            // every commit asked for so far was made before this checkpoint starts
            long upTo = asked.get();
            lastStart = System.nanoTime();
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CHECKPOINT SYNC");
            }
            checkpoints.incrementAndGet();
            onDisk = upTo;
        } catch (SQLException e) {
            throw PortalDatabaseException.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the commit to reach the disk", e);
        } finally {
            checkpoint.unlock();
        }
    }
}
