package org.portalsync.alert;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore.Due;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the dead-lettered records of one source that are due for another sync and makes the body
 * their ids, for the refresh route. Each pick counts an attempt and puts the next one further off
 * (interval, 2x, 4x, ...), so a cause that has not cleared costs a handful of requests, not a storm;
 * a record out of attempts is left for an operator with an alert.
 */
public final class ClaimDueDeadLetters implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ClaimDueDeadLetters.class);
    private static final int BATCH = 500;

    private final DeadLetterStore deadLetters;
    private final String source;
    private final String recordType;
    private final Duration interval;
    private final int maxAttempts;
    private final Clock clock;

    public ClaimDueDeadLetters(DeadLetterStore deadLetters, String source, String recordType, Duration interval, int maxAttempts, Clock clock) {
        this.deadLetters = deadLetters;
        this.source = source;
        this.recordType = recordType;
        this.interval = interval;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Instant now = clock.instant();
        List<String> ids = new ArrayList<>();
        for (Due due : deadLetters.due(source, recordType, now, BATCH)) {
            if (givenUp(deadLetters, due.id(), due.record(), due.attempts(), maxAttempts, now)) {
                continue;
            }
            int attempt = due.attempts() + 1;
            deadLetters.attempted(due.id(), attempt, nextTry(now, interval, attempt));
            ids.add(due.record().substring(recordType.length() + 1));
        }
        if (!ids.isEmpty()) {
            LOG.info("Re-syncing {} dead-lettered {} records", ids.size(), recordType);
        }
        exchange.getMessage().setBody(ids);
    }

    /** Whether the dead letter is out of re-syncs: then it is left to an operator, with an alert. */
    public static boolean givenUp(DeadLetterStore deadLetters, long id, String record, int attempts, int maxAttempts, Instant now) {
        if (attempts < maxAttempts) {
            return false;
        }
        deadLetters.giveUp(id, record, attempts, now);
        LOG.error("ALERT {}: {} still fails after {} re-syncs (dead letter #{})", AlertKind.RESYNC_EXHAUSTED, record, attempts, id);
        return true;
    }

    /** When the try after the {@code attempt}-th is due: interval x 2, 4, 8, ... */
    public static Instant nextTry(Instant now, Duration interval, int attempt) {
        return now.plus(interval.multipliedBy(1L << Math.min(attempt, 20)));
    }
}
