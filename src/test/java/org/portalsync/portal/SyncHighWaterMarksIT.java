package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyncHighWaterMarksIT {

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aMarkOnlyMovesForwardAndIsKeptPerSourceAndFeed(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            SyncHighWaterMarks marks = new SyncHighWaterMarks(database, Clock.systemUTC());
            Instant noon = Instant.parse("2026-03-08T12:00:00.123Z");

            assertThat(marks.read("ehr", "Patient")).isEmpty();
            marks.advance("ehr", "Patient", noon);
            marks.advance("ehr", "Patient", noon.minusSeconds(3600));
            marks.advance("ehr", "Patient-deletions", noon.minusSeconds(60));
            marks.advance("other", "Patient", noon.plusSeconds(60));

            assertThat(marks.read("ehr", "Patient")).contains(noon);
            assertThat(marks.read("ehr", "Patient-deletions")).contains(noon.minusSeconds(60));
            assertThat(marks.read("other", "Patient")).contains(noon.plusSeconds(60));

            marks.advance("ehr", "Patient", noon.plusMillis(1));
            assertThat(marks.read("ehr", "Patient")).contains(noon.plusMillis(1));
        }
    }
}
