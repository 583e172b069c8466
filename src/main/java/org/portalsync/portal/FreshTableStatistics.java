package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps PostgreSQL's statistics up with tables that grow from empty, as a new portal's do in its first load.
 * PostgreSQL plans a statement by its tables' statistics, which autovacuum gathers only about a minute after a table
 * starts to fill, and a prepared statement keeps the plan it got while its tables were small. Both made a page's
 * lookup read every patient of its source (the source alone in the index condition, each record a filter): 28 ms a
 * page at 10,000 patients instead of 1.5. So after a commit, at most once per {@link #INTERVAL}, the tables of the
 * schema that this user owns and that have had as many rows written as they held at their last statistics (at least
 * {@link #MIN_CHANGES}; never analysed counts as none) are analysed, on a thread of its own: the plans are made again
 * for their size. A table at its steady size is left to autovacuum, which analyses at a tenth changed. H2 keeps its
 * statistics itself as rows come.
 */
final class FreshTableStatistics {

    static final int MIN_CHANGES = 200;
    static final Duration INTERVAL = Duration.ofSeconds(1);

    static final String GROWN_SQL = "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            // reltuples: the rows at the last statistics, -1 (0 before PostgreSQL 14) when there were none
            + " WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze >= GREATEST(?, c.reltuples)"
            + " AND pg_has_role(c.relowner, 'USAGE') ORDER BY s.relname";

    private static final Logger LOG = LoggerFactory.getLogger(FreshTableStatistics.class);

    private final DataSource dataSource;
    private final boolean postgresql;
    private final AtomicLong nextCheck = new AtomicLong(System.nanoTime());
    /** one look at a time, off the committing thread (an MLLP writer must not wait for an ANALYZE) */
    private final ExecutorService looks;

    FreshTableStatistics(DataSource dataSource, boolean postgresql) {
        this.dataSource = dataSource;
        this.postgresql = postgresql;
        this.looks = postgresql ? new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1), runnable -> {
            Thread thread = new Thread(runnable, "portal-db-statistics");
            thread.setDaemon(true);
            return thread;
        }, new ThreadPoolExecutor.DiscardPolicy()) : null;
    }

    /** After a commit: has the grown tables analysed, when a look is due; never delays or fails the caller, whose work is stored. */
    void afterCommit() {
        if (!postgresql) {
            return;
        }
        long now = System.nanoTime();
        long due = nextCheck.get();
        // one caller a second asks; the others go on at once
        if (now - due < 0 || !nextCheck.compareAndSet(due, now + INTERVAL.toNanos())) {
            return;
        }
        looks.execute(() -> {
            try (Connection connection = dataSource.getConnection()) {
                analyseGrown(connection);
            } catch (SQLException | RuntimeException e) {
                LOG.debug("Could not look for tables grown since their statistics", e);
            }
        });
    }

    /** Before the pool closes: a look under way is abandoned. */
    void close() {
        if (looks != null) {
            looks.shutdownNow();
        }
    }

    /** @return the tables analysed */
    static List<String> analyseGrown(Connection connection) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(GROWN_SQL)) {
            select.setInt(1, MIN_CHANGES);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
        }
        if (!tables.isEmpty()) {
            long started = System.nanoTime();
            try (Statement analyse = connection.createStatement()) {
                analyse.execute("ANALYZE " + String.join(", ", tables.stream().map(FreshTableStatistics::quoted).toList()));
            }
            LOG.info("Gathered statistics for {} (grown since their last) in {} ms", tables,
                    (System.nanoTime() - started) / 1_000_000);
        }
        return tables;
    }

    private static String quoted(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
