package org.portalsync.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;

/**
 * A problem of a kind (what a mapping leaves unread in every message of a type) is one digest row that counts its
 * repeats: the digest reports the count it read, and what is counted while it is being sent goes to the next one.
 */
class DigestCountsRepeatsIT {

    private static final Instant T0 = Instant.parse("2026-11-02T08:00:00Z");
    private static final DataQualityLog.Counted PV1 = new DataQualityLog.Counted("legacy-adt",
            new DataQualityIssue("mapping hl7v2-adt-patient", "HL7v2 unmapped", "HL7 v2 ADT^A04 messages: no rule reads PV1", false));
    private static final DataQualityLog.Counted ZPI = new DataQualityLog.Counted("legacy-adt",
            new DataQualityIssue("mapping hl7v2-adt-patient", "HL7v2 unmapped", "HL7 v2 ADT^A04 messages: no rule reads PV1, ZPI", false));

    static List<String> kinds() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aRepeatedProblemIsOneRowWithItsCountAndWhatComesWhileTheDigestIsSentWaitsForTheNext(String kind) {
        DataQualityLog log = new DataQualityLog();
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            DigestStore store = new DigestStore(database, Set.of());
            count(database, log, PV1, 3, 0, 10);
            count(database, log, PV1, 2, 20, 30);
            count(database, log, ZPI, 1, 25, 25);

            Digest digest = store.unreported(T0.plusSeconds(60));
            assertThat(digest.entries()).extracting(DigestEntry::rule, DigestEntry::occurrences, DigestEntry::detectedAt,
                    DigestEntry::lastDetectedAt).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(PV1.issue().problem(), 5, T0, T0.plusSeconds(30)),
                    org.assertj.core.groups.Tuple.tuple(ZPI.issue().problem(), 1, T0.plusSeconds(25), T0.plusSeconds(25)));

            // four more messages while the digest's mail goes out
            count(database, log, PV1, 4, 70, 90);
            store.reported(digest, T0.plusSeconds(100));

            assertThat(rows(database, "SELECT problem, occurrences, CASE WHEN reported_at IS NULL THEN 'waiting' ELSE 'reported' END"
                    + " FROM data_quality_issue ORDER BY id")).containsExactly(
                    PV1.issue().problem() + " | 5 | reported", ZPI.issue().problem() + " | 1 | reported", PV1.issue().problem() + " | 4 | waiting");
            Digest next = store.unreported(T0.plusSeconds(200));
            assertThat(next.entries()).extracting(DigestEntry::occurrences, DigestEntry::detectedAt, DigestEntry::lastDetectedAt)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(4, T0.plusSeconds(30), T0.plusSeconds(90)));

            // counted into the row still waiting, not into the reported one
            count(database, log, PV1, 1, 210, 210);
            assertThat(rows(database, "SELECT occurrences FROM data_quality_issue WHERE reported_at IS NULL")).containsExactly("5");
            store.reported(store.unreported(T0.plusSeconds(300)), T0.plusSeconds(300));
            assertThat(rows(database, "SELECT SUM(occurrences) FROM data_quality_issue WHERE reported_at IS NOT NULL"))
                    .as("every message counted once").containsExactly("11");
        }
    }

    private static void count(PortalDatabase database, DataQualityLog log, DataQualityLog.Counted counted, int messages, int fromSecond,
            int toSecond) {
        database.inTransaction(connection -> {
            log.count(connection, counted, messages, T0.plusSeconds(fromSecond), T0.plusSeconds(toSecond));
            return null;
        });
    }

    private static List<String> rows(PortalDatabase database, String sql) {
        return database.inTransaction(connection -> {
            List<String> rows = new ArrayList<>();
            try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
                int columns = result.getMetaData().getColumnCount();
                while (result.next()) {
                    List<String> cells = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        cells.add(result.getString(i));
                    }
                    rows.add(String.join(" | ", cells));
                }
            }
            return rows;
        });
    }
}
