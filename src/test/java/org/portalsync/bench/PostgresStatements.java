package org.portalsync.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What a benchmark's unit of work (a notification, a message) costs the PostgreSQL server, statement by statement,
 * from {@code pg_stat_statements} (preloaded by the test server): calls and rows per unit, and server time.
 */
final class PostgresStatements {

    private final String jdbcUrl;
    private final String user;

    private PostgresStatements(String jdbcUrl, String user) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
    }

    /** Starts counting afresh for the database of this URL. */
    static PostgresStatements reset(String jdbcUrl, String user) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, ""); Statement statement = connection.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            statement.execute("SELECT pg_stat_statements_reset()");
        }
        return new PostgresStatements(jdbcUrl, user);
    }

    /** Prints, for this database since the reset, each statement's calls, rows and server time per unit of work. */
    void print(String unit, long units, int limit) throws SQLException {
        List<String> lines = new ArrayList<>();
        double calls = 0;
        double millis = 0;
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, ""); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT s.calls, s.rows, s.total_exec_time, s.query FROM pg_stat_statements s "
                        + "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() "
                        + "AND s.query NOT LIKE '%pg_stat_statements%' ORDER BY s.total_exec_time DESC")) {
            while (rows.next()) {
                calls += rows.getLong(1);
                millis += rows.getDouble(3);
                if (lines.size() < limit) {
                    String query = rows.getString(4).replaceAll("\\s+", " ").replace("|", "\\|");
                    lines.add(String.format("| %.2f | %.2f | %.3f | %.3f | %s |", rows.getLong(1) / (double) units,
                            rows.getLong(2) / (double) units, rows.getDouble(3) / units, rows.getDouble(3) / Math.max(1, rows.getLong(1)),
                            query.length() > 140 ? query.substring(0, 140) + "..." : query));
                }
            }
        }
        System.out.printf("%nPostgreSQL statements per %s (%d %ss): %.1f statements, %.2f ms of server execution%n", unit, units, unit,
                calls / units, millis / units);
        System.out.println("| calls | rows | server ms | ms per call | statement |");
        System.out.println("| ---: | ---: | ---: | ---: | --- |");
        lines.forEach(System.out::println);
    }
}
