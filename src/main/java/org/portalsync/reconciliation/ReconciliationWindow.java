package org.portalsync.reconciliation;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * The days one reconciliation run compares: from {@code firstDay} 00:00 to 00:00 of the day after the last, in the
 * practice's zone. A day is a calendar day, not 24 hours: 1 November 2026 in New York has 25.
 */
public record ReconciliationWindow(LocalDate firstDay, int days, ZoneId zone) {

    public ReconciliationWindow {
        if (days < 1) {
            throw new IllegalArgumentException("a reconciliation compares at least one day, not " + days);
        }
    }

    public Instant start() {
        return firstDay.atStartOfDay(zone).toInstant();
    }

    /** Exclusive. */
    public Instant end() {
        return firstDay.plusDays(days).atStartOfDay(zone).toInstant();
    }
}
