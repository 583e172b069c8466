package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;

/**
 * Every delivery resolves its record's open dead letters, so that statement runs once per record
 * synced: the databases' own EXPLAIN must show it uses the record index, not a scan of the table.
 */
class DeadLetterIndexIT {

    static List<String> databases() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("databases")
    void resolvingARecordsDeadLettersUsesTheRecordIndex(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            String plan = database.inTransaction(connection -> {
                try (Statement statement = connection.createStatement()) {
                    if (kind.equals("postgresql")) {
                        // an empty table is cheaper to scan; ask whether the index can serve at all
                        statement.execute("SET LOCAL enable_seqscan = off");
                    }
                    StringBuilder text = new StringBuilder();
                    try (ResultSet rows = statement.executeQuery("EXPLAIN UPDATE dead_letter SET status = 'RESOLVED'"
                            + " WHERE record_ref = 'Patient/1' AND source = 'ehr' AND status IN ('NEW', 'NEEDS_OPERATOR')")) {
                        while (rows.next()) {
                            text.append(rows.getString(1)).append('\n');
                        }
                    }
                    return text.toString();
                }
            });
            assertThat(plan.toLowerCase(Locale.ROOT)).as(plan).contains("ix_dead_letter_record");
        }
    }
}
