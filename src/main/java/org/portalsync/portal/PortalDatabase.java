package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.portalsync.config.ConfigurationException;

/**
 * The portal database: a HikariCP pool, migrated by Flyway at start-up, and one way to run work in
 * a transaction so that a record is written whole or not at all.
 */
public final class PortalDatabase implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final CommitsOnDisk commitsOnDisk;
    private final boolean h2File;
    private final FreshTableStatistics freshTables;

    private PortalDatabase(HikariDataSource dataSource, boolean h2File, boolean postgresql) {
        this.dataSource = dataSource;
        this.commitsOnDisk = new CommitsOnDisk(dataSource, h2File);
        this.h2File = h2File;
        this.freshTables = new FreshTableStatistics(dataSource, postgresql);
    }

    /** Whether this is an embedded H2 file database (the default), whose file H2 sizes itself. */
    public boolean h2File() {
        return h2File;
    }

    /** Opens the pool and brings the schema up to date; fails start-up with the database's own reason. */
    public static PortalDatabase open(String url, String user, String password, int poolSize) {
        return open(url, user, password, poolSize, java.time.Duration.ofSeconds(10));
    }

    /** @param connectionTimeout longest wait for a connection: a database that is down fails a write this soon */
    public static PortalDatabase open(String url, String user, String password, int poolSize, java.time.Duration connectionTimeout) {
        HikariConfig config = new HikariConfig();
        config.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis()));
        config.setJdbcUrl(withBatchedInserts(withoutCloseOnExit(withoutErrorTrace(withStatementCache(url)))));
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("portal-db");
        config.setAutoCommit(true);
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            Flyway flyway = Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
            refuseNewerSchema(flyway);
            flyway.migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new PortalDatabase(dataSource, url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:"), url.startsWith("jdbc:postgresql:"));
    }

    /**
     * A schema a newer build migrated is not this build's: its statements could misread the rows the newer one writes
     * (Flyway alone would ignore the newer migrations and start). So an older build refuses to start, at a downgrade or
     * when two versions would share the database during an upgrade.
     */
    private static void refuseNewerSchema(Flyway flyway) {
        MigrationInfo[] all = flyway.info().all();
        List<MigrationInfo> newer = Arrays.stream(all).filter(PortalDatabase::isNewer).toList();
        if (!newer.isEmpty()) {
            String knownUpTo = Arrays.stream(all).filter(info -> !isNewer(info) && info.getVersion() != null)
                    .map(info -> info.getVersion().getVersion()).reduce((first, second) -> second).orElse("none");
            throw new ConfigurationException("the portal database's schema is at version " + newer.get(newer.size() - 1).getVersion()
                    + ", written by a newer portal-sync; this one knows versions up to " + knownUpTo + ". Run the newer version (stop "
                    + "this instance; every instance of a cluster runs the same version, README \"Upgrading\"); nothing was changed");
        }
    }

    private static boolean isNewer(MigrationInfo info) {
        return info.getState() == MigrationState.FUTURE_SUCCESS || info.getState() == MigrationState.FUTURE_FAILED;
    }

    /**
     * H2 keeps 8 parsed statements per session by default; a record's delivery runs about 15
     * different ones, so without a larger cache H2 parses SQL again for every record.
     * PostgreSQL's driver caches prepared statements on its own.
     */
    static String withStatementCache(String url) {
        if (url.startsWith("jdbc:h2:") && !url.toUpperCase(java.util.Locale.ROOT).contains("QUERY_CACHE_SIZE")) {
            return url + ";QUERY_CACHE_SIZE=64";
        }
        return url;
    }

    /**
     * PostgreSQL's driver sends a batch of inserts as one statement per row unless told to rewrite it
     * into multi-row inserts; a poll's page writes its child rows, audit rows and statuses as such batches.
     */
    static String withBatchedInserts(String url) {
        if (url.startsWith("jdbc:postgresql:") && !url.toLowerCase(java.util.Locale.ROOT).contains("rewritebatchedinserts")) {
            return url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
        }
        return url;
    }

    /**
     * An embedded H2 file database writes every data error, with the value it refused, to a
     * {@code .trace.db} file beside the data: a log of patient data nobody reads. Our own
     * failure texts say what went wrong ({@link SqlFailureText}).
     */
    static String withoutErrorTrace(String url) {
        if (url.startsWith("jdbc:h2:") && !url.toUpperCase(java.util.Locale.ROOT).contains("TRACE_LEVEL_FILE")) {
            return url + ";TRACE_LEVEL_FILE=0";
        }
        return url;
    }

    /**
     * H2 closes an embedded database from its own JVM shutdown hook, which runs beside Camel's: on SIGTERM the routes
     * still finishing their work found their database gone. The engine closes the pool after its routes have stopped
     * (and H2 the database with its last connection); a command closes it when done. H2 refuses this with
     * {@code AUTO_SERVER=TRUE} (the default URL, so that commands can open the database beside the engine): there a
     * request caught by the closing database is answered 503 and its work is done again.
     */
    static String withoutCloseOnExit(String url) {
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        if (url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:") && !upper.contains("DB_CLOSE_ON_EXIT")
                && !upper.contains("AUTO_SERVER=TRUE")) {
            return url + ";DB_CLOSE_ON_EXIT=FALSE";
        }
        return url;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs the work in one transaction: commit if it returns, roll back if it throws. */
    public <T> T inTransaction(TransactionalWork<T> work) {
        T result;
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                result = work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            // drivers quote the offending value in their messages: see SqlFailureText
            throw PortalDatabaseException.of(e);
        }
        // with the connection back in the pool: a look may take one
        freshTables.afterCommit();
        return result;
    }

    /**
     * Runs the work with each statement its own transaction: for one statement (a read, or a write that stands alone),
     * where a transaction around it would cost PostgreSQL one more round trip, its {@code COMMIT}.
     */
    public <T> T inAutoCommit(TransactionalWork<T> work) {
        T result;
        try (Connection connection = dataSource.getConnection()) {
            result = work.run(connection);
        } catch (SQLException e) {
            throw PortalDatabaseException.of(e);
        }
        freshTables.afterCommit();
        return result;
    }

    /**
     * As {@link #inTransaction}, and returns only once the commit is on disk: for what the engine acknowledges (an MLLP
     * AA, a webhook's 202, a file moved to {@code done/}, a portal's change accepted), which must outlive a killed engine
     * ({@link CommitsOnDisk}).
     */
    public <T> T inDurableTransaction(TransactionalWork<T> work) {
        T result = inTransaction(work);
        awaitCommitsOnDisk();
        return result;
    }

    /**
     * As {@link #inDurableTransaction}, for a caller whose one transaction holds many acknowledgements, gathered
     * already (the MLLP listener's group commit): its wait for the disk starts at once ({@link CommitsOnDisk#awaitBatch}).
     */
    public <T> T inDurableBatch(TransactionalWork<T> work) {
        T result = inTransaction(work);
        commitsOnDisk.awaitBatch();
        return result;
    }

    /**
     * Returns once every commit the caller made before is on disk: for a caller that has work to start between its
     * commit and its acknowledgement ({@link CommitsOnDisk}).
     */
    public void awaitCommitsOnDisk() {
        commitsOnDisk.await();
    }

    /** {@code ?, ?, ...}: {@code count} parameters, for an {@code IN (...)} list. */
    public static String placeholders(int count) {
        return String.join(", ", java.util.Collections.nCopies(count, "?"));
    }

    /**
     * {@code (?, ?), (?, ?), ...}: {@code rows} row values of {@code columns} parameters, for {@code (a, b) IN (...)}.
     * H2 looks each row up only when the row's columns are exactly an index's; for {@code a = ? AND b IN (...)},
     * or a row that covers only part of an index, it reads every row matching the first column.
     */
    public static String rowPlaceholders(int rows, int columns) {
        return String.join(", ", java.util.Collections.nCopies(rows, "(" + placeholders(columns) + ")"));
    }

    /** Instants are written as UTC offsets so that H2 and PostgreSQL store the same thing. */
    public static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    public static Instant instant(OffsetDateTime value) {
        return value == null ? null : value.toInstant();
    }

    @Override
    public void close() {
        freshTables.close();
        dataSource.close();
    }

    @FunctionalInterface
    public interface TransactionalWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
