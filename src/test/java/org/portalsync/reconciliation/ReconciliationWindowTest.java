package org.portalsync.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

import org.junit.jupiter.api.Test;

/** A reconciliation's days are calendar days of the practice's zone, whatever their length. */
class ReconciliationWindowTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    @Test
    void theDayClocksGoBackHas25HoursAndTheDayTheyGoForward23() {
        ReconciliationWindow fallBack = new ReconciliationWindow(LocalDate.of(2026, 11, 1), 1, NEW_YORK);
        ReconciliationWindow springForward = new ReconciliationWindow(LocalDate.of(2026, 3, 8), 1, NEW_YORK);

        assertThat(fallBack.start()).isEqualTo(Instant.parse("2026-11-01T04:00:00Z"));
        assertThat(fallBack.end()).isEqualTo(Instant.parse("2026-11-02T05:00:00Z"));
        assertThat(Duration.between(fallBack.start(), fallBack.end())).hasHours(25);
        assertThat(Duration.between(springForward.start(), springForward.end())).hasHours(23);
    }

    @Test
    void thirtyDaysAcrossTheTransitionEndAtLocalMidnight() {
        ReconciliationWindow window = new ReconciliationWindow(LocalDate.of(2026, 10, 20), 30, NEW_YORK);

        assertThat(window.end()).isEqualTo(Instant.parse("2026-11-19T05:00:00Z"));
        assertThat(window.start()).isEqualTo(Instant.parse("2026-10-20T04:00:00Z"));
        assertThat(Duration.between(window.start(), window.end())).as("30 days, one of them 25 hours").hasHours(30 * 24 + 1);
    }

    @Test
    void refusesAWindowWithoutDays() {
        assertThatThrownBy(() -> new ReconciliationWindow(LocalDate.of(2026, 10, 20), 0, NEW_YORK)).isInstanceOf(IllegalArgumentException.class);
    }
}
