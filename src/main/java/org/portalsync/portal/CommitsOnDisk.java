package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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

    private final DataSource dataSource;
    private final boolean needed;
    private final AtomicLong asked = new AtomicLong();
    private final ReentrantLock checkpoint = new ReentrantLock();
    /** guarded by {@link #checkpoint}: every commit asked for up to this number is on disk */
    private long onDisk;

    CommitsOnDisk(DataSource dataSource, boolean needed) {
        this.dataSource = dataSource;
        this.needed = needed;
    }

    /** Returns once every commit the caller made before this call is on disk. */
    void await() {
        if (!needed) {
            return;
        }
        long mine = asked.incrementAndGet();
        checkpoint.lock();
        try {
            if (onDisk >= mine) {
                return;
            }
            // every commit asked for so far was made before this checkpoint starts
            long upTo = asked.get();
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CHECKPOINT SYNC");
            }
            onDisk = upTo;
        } catch (SQLException e) {
            throw PortalDatabaseException.of(e);
        } finally {
            checkpoint.unlock();
        }
    }
}
