package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

import org.junit.jupiter.api.Test;

/**
 * A new portal's first load on PostgreSQL: its tables fill from empty before autovacuum has gathered any statistics,
 * and without them the planner looks a page's patients up by their source alone, reading every row of the source
 * per page. The engine gathers them itself once a table has filled, and again each time it has doubled
 * ({@link FreshTableStatistics}).
 */
class FreshTableStatisticsIT {

    private static final String PAGE_LOOKUP = "EXPLAIN SELECT id FROM portal_patient WHERE (source, source_id) IN"
            + " (('ehr', 'p17'), ('ehr', 'p4242')) ORDER BY id FOR UPDATE";

    @Test
    void aTableFilledBeforeAutovacuumLookedIsAnalysedAfterACommitAndAgainWhenItHasDoubled() throws Exception {
        try (PortalDatabase database = TestDatabases.fresh("postgresql")) {
            database.inTransaction(connection -> {
                try (Statement statement = connection.createStatement()) {
                    // only the engine may gather statistics here, not autovacuum should it look during the test
                    statement.execute("ALTER TABLE portal_patient SET (autovacuum_enabled = false)");
                    statement.execute("ALTER TABLE portal_patient_telecom SET (autovacuum_enabled = false)");
                }
                return null;
            });
            insertPatients(database, 1, 5_000);
            // what a first load meets: the source alone in the index condition, each source id a filter over every row
            assertThat(plan(database)).as("the plan without statistics").doesNotContain("source_id)::text = 'p17'::text) and")
                    .containsPattern("index cond: \\(\\(source\\)::text = 'ehr'::text\\)\\s");

            awaitStatisticsOf(database, 5_000);
            // a table no row was written to is left to autovacuum
            assertThat(lastAnalysed(database, "portal_patient_telecom")).as("an empty table").isNull();
            // and the page is looked up by whole keys
            assertThat(plan(database)).as("the plan with statistics")
                    .containsPattern("index cond: \\(\\(\\(source\\)::text = 'ehr'::text\\) and \\(\\(source_id\\)::text = 'p17'::text\\)\\)");

            // a tenth more is autovacuum's to notice: nothing to do here
            insertPatients(database, 5_001, 500);
            awaitChangesCounted(database, 500);
            assertThat(database.inAutoCommit(FreshTableStatistics::analyseGrown)).isEmpty();
            // doubled since: analysed again, for its new size
            insertPatients(database, 5_501, 5_000);
            awaitStatisticsOf(database, 10_500);
        }
    }

    private static void insertPatients(PortalDatabase database, int first, int count) {
        database.inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO portal_patient (source, source_id, source_zone, archived, created_at, updated_at, row_version)"
                        + " SELECT 'ehr', 'p' || n, 'UTC', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0"
                        + " FROM generate_series(" + first + ", " + (first + count - 1) + ") AS n");
            }
            return null;
        });
    }

    /** The counts reach PostgreSQL's statistics a moment after a commit; the next commit due to look then has the table analysed. */
    private static void awaitStatisticsOf(PortalDatabase database, long rows) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (count(database, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'portal_patient'") != rows && System.nanoTime() < deadline) {
            Thread.sleep(200);
            database.inTransaction(connection -> null);
        }
        // only ANALYZE (or a VACUUM, which autovacuum would run and is off for the table) sets it
        assertThat(count(database, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'portal_patient'")).as("rows at its statistics")
                .isEqualTo(rows);
    }

    private static void awaitChangesCounted(PortalDatabase database, long changes) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        // the statistics' reset by ANALYZE comes by the same delayed way as the counts
        while (count(database, "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'portal_patient'") != changes
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    private static String plan(PortalDatabase database) {
        return database.inAutoCommit(connection -> {
            StringBuilder text = new StringBuilder();
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(PAGE_LOOKUP)) {
                while (rows.next()) {
                    text.append(rows.getString(1)).append('\n');
                }
            }
            return text.toString().toLowerCase(Locale.ROOT);
        });
    }

    private static Object lastAnalysed(PortalDatabase database, String table) {
        return database.inAutoCommit(connection -> {
            try (Statement statement = connection.createStatement();
                    ResultSet row = statement.executeQuery("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = '" + table + "'")) {
                return row.next() ? row.getObject(1) : null;
            }
        });
    }

    private static long count(PortalDatabase database, String sql) {
        return database.inAutoCommit(connection -> {
            try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
                row.next();
                return row.getLong(1);
            }
        });
    }
}
