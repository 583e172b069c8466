package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
    /** Callers wait on it for a checkpoint to end; one of them, the leader, runs the next. */
    private final Object monitor = new Object();
    /** guarded by {@link #monitor}: every commit asked for up to this number is on disk */
    private long onDisk;
    /** guarded by {@link #monitor}: a leader is running a checkpoint (or waiting out the interval before it) */
    private boolean leading;
    /** only the leader reads and writes it, and leaders follow one another through {@link #monitor}: when the last checkpoint started */
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
        try {
            synchronized (monitor) {
                // a caller whose commit a checkpoint covered returns as soon as it ends, never behind the next leader
                while (onDisk < mine && leading) {
                    monitor.wait();
                }
                if (onDisk >= mine) {
                    return;
                }
                leading = true;
            }
            long upTo = -1;
            try {
                long due = lastStart + minInterval.toNanos() - System.nanoTime();
                if (shareWithLaterCallers && due > 0) {
                    // those arriving meanwhile wait for this checkpoint, and it covers them
                    TimeUnit.NANOSECONDS.sleep(due);
                }
                // every commit asked for so far was made before this checkpoint starts
                long covered = asked.get();
                lastStart = System.nanoTime();
                try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                    statement.execute("CHECKPOINT SYNC");
                }
                checkpoints.incrementAndGet();
                upTo = covered;
            } finally {
                synchronized (monitor) {
                    // failed (upTo -1): the next waiter leads and tries again
                    onDisk = Math.max(onDisk, upTo);
                    leading = false;
                    monitor.notifyAll();
                }
            }
        } catch (SQLException e) {
            throw PortalDatabaseException.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the commit to reach the disk", e);
        }
    }
}
