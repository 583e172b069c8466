package org.portalsync.health;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * When each feed's last poll on this instance ended, for the schedules check. Kept in memory on purpose:
 * it describes this instance's schedule, and only the instance that holds a poll's leadership runs it.
 */
public final class PollHistory {

    private final ConcurrentMap<String, Instant> finished = new ConcurrentHashMap<>();

    /** @param feed the poll's route id, e.g. {@code fhir-patient-poll} */
    public void finished(String feed, Instant at) {
        finished.merge(feed, at, (before, now) -> now.isAfter(before) ? now : before);
    }

    public Optional<Instant> lastFinished(String feed) {
        return Optional.ofNullable(finished.get(feed));
    }
}
