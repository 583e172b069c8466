package org.portalsync.portal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The two portal databases every store test runs against: an in-memory H2 and a real PostgreSQL
 * server started once per test run (its binaries come from a Maven dependency).
 */
public final class TestDatabases {

    private static EmbeddedPostgres postgres;

    private TestDatabases() {
    }

    public static List<String> kinds() {
        return List.of("h2", "postgresql");
    }

    /** A fresh, migrated, empty database of that kind. */
    public static PortalDatabase fresh(String kind) {
        return PortalDatabase.open(jdbcUrl(kind), user(kind), "", 4);
    }

    /**
     * A JDBC URL of a new empty database of that kind. The embedded PostgreSQL server answers a commit before its
     * log is on disk (its builder's {@code synchronous_commit=off}): quicker tests, not a server as deployed.
     */
    public static String jdbcUrl(String kind) {
        return jdbcUrl(kind, false);
    }

    /**
     * As {@link #jdbcUrl(String)}, for benchmarks: on PostgreSQL a commit returns once its log is on disk, as with
     * PostgreSQL's own default, so that what a benchmark counts as stored is stored.
     */
    public static String durableJdbcUrl(String kind) {
        return jdbcUrl(kind, true);
    }

    private static String jdbcUrl(String kind, boolean durable) {
        String name = "portal_" + UUID.randomUUID().toString().replace("-", "");
        return switch (kind) {
            case "h2" -> "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
            case "postgresql" -> {
                EmbeddedPostgres server = postgres();
                try (var connection = server.getPostgresDatabase().getConnection(); var statement = connection.createStatement()) {
                    statement.execute("CREATE DATABASE " + name);
                    if (durable) {
                        statement.execute("ALTER DATABASE " + name + " SET synchronous_commit = on");
                    }
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException("cannot create test database", e);
                }
                yield server.getJdbcUrl("postgres", name);
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    public static String user(String kind) {
        return kind.equals("postgresql") ? "postgres" : "sa";
    }

    private static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                // pg_stat_statements lets a benchmark count what a unit of work costs the server (PostgresStatements)
                postgres = EmbeddedPostgres.builder().setServerConfig("shared_preload_libraries", "pg_stat_statements").start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL server", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
        }
        return postgres;
    }
}
