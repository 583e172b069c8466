package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class SourceVersionOrderTest {

    private static final Instant T1 = Instant.parse("2026-03-08T06:59:59Z");
    private static final Instant T2 = Instant.parse("2026-03-08T07:00:00Z");

    @Test
    void anEarlierLastUpdatedIsOlderWhateverTheVersionSays() {
        assertThat(SourceVersionOrder.isOlder("9", T1, "2", T2)).isTrue();
        assertThat(SourceVersionOrder.isOlder("2", T2, "9", T1)).isFalse();
    }

    @Test
    void aNumericVersionBreaksATieOrAMissingTime() {
        assertThat(SourceVersionOrder.isOlder("3", T2, "4", T2)).isTrue();
        assertThat(SourceVersionOrder.isOlder("4", T2, "3", T2)).isFalse();
        assertThat(SourceVersionOrder.isOlder("9", null, "10", T2)).as("numbers, not strings").isTrue();
        assertThat(SourceVersionOrder.isOlder("10", T1, "9", null)).isFalse();
    }

    @Test
    void whatCannotBeComparedIsNotOlder() {
        assertThat(SourceVersionOrder.isOlder("W/\"abc\"", T2, "W/\"abd\"", T2)).isFalse();
        assertThat(SourceVersionOrder.isOlder(null, null, "4", T2)).isFalse();
        assertThat(SourceVersionOrder.isOlder("4", T2, "4", T2)).as("the same version").isFalse();
    }
}
