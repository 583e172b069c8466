package org.portalsync.source.hl7v2;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.ClaimDueDeadLetters;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.alert.DeadLetterStore.DueMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The re-sync of records dead-lettered while an HL7 v2 message was applied (a result before its patient, a
 * database that stayed down past the retries). A legacy EHR cannot be asked for a record again, so the stored
 * message is applied again: its inbox row is made to wait once more, and the body becomes the ids to hand to the
 * inbox workers (the sweep finds them too). Each try counts an attempt, with the same growing delay and limit as
 * the FHIR re-sync; a message no longer stored leaves its dead letter to an operator, with an alert.
 */
public final class ReopenDeadLetteredHl7v2Messages implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ReopenDeadLetteredHl7v2Messages.class);
    private static final int BATCH = 500;

    private final DeadLetterStore deadLetters;
    private final Hl7v2Inbox inbox;
    private final Duration interval;
    private final int maxAttempts;
    private final Clock clock;

    public ReopenDeadLetteredHl7v2Messages(DeadLetterStore deadLetters, Hl7v2Inbox inbox, Duration interval, int maxAttempts, Clock clock) {
        this.deadLetters = deadLetters;
        this.inbox = inbox;
        this.interval = interval;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Instant now = clock.instant();
        Set<Long> reopened = new LinkedHashSet<>();
        for (DueMessage due : deadLetters.dueMessages(now, BATCH)) {
            if (ClaimDueDeadLetters.givenUp(deadLetters, due.id(), due.record(), due.attempts(), maxAttempts, now)) {
                continue;
            }
            // one message may have failed for several records (an ORU's results): applied again once
            Hl7v2Inbox.Reopened found = reopened.contains(due.legacyInboxId()) ? Hl7v2Inbox.Reopened.REOPENED : inbox.reopen(due.legacyInboxId());
            if (found == Hl7v2Inbox.Reopened.GONE) {
                deadLetters.giveUp(due.id(), due.record() + ": its HL7 v2 message (inbox row " + due.legacyInboxId() + ") is no longer stored;"
                        + " ask the sender to send it again, then close dead letter #" + due.id(), now);
                LOG.error("ALERT {}: {} cannot be re-synced, its HL7 v2 message is no longer stored (dead letter #{})", AlertKind.RESYNC_EXHAUSTED,
                        due.record(), due.id());
                continue;
            }
            deadLetters.attempted(due.id(), due.attempts() + 1, ClaimDueDeadLetters.nextTry(now, interval, due.attempts() + 1));
            if (found == Hl7v2Inbox.Reopened.REOPENED) {
                reopened.add(due.legacyInboxId());
            }
        }
        if (!reopened.isEmpty()) {
            LOG.info("Applying {} HL7 v2 messages again for their dead-lettered records", reopened.size());
        }
        exchange.getMessage().setBody(java.util.List.copyOf(reopened));
    }
}
