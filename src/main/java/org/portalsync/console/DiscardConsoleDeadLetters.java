package org.portalsync.console;

import java.time.Clock;
import java.util.List;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code POST /console/dead-letters/discard}: closes the selected open dead letters without a replay (status
 * DISCARDED), with the operator's reason, which is required. The re-sync route no longer tries them; the record's
 * sync status keeps its last error until the record syncs.
 */
public final class DiscardConsoleDeadLetters implements Processor {

    private static final int MAX_REASON = 500;

    private final ConsoleDeadLetters deadLetters;
    private final ConsoleAudit audit;
    private final Clock clock;

    public DiscardConsoleDeadLetters(ConsoleDeadLetters deadLetters, ConsoleAudit audit, Clock clock) {
        this.deadLetters = deadLetters;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Set<Long> ids = DeadLetterForm.ids(exchange);
        String reason = ConsoleHttp.field(exchange, "reason");
        if (reason.isEmpty()) {
            throw ConsoleRefusal.badRequest("A discard needs a reason: say why these dead letters need no replay.");
        }
        if (reason.length() > MAX_REASON) {
            throw ConsoleRefusal.badRequest("The reason is longer than " + MAX_REASON + " characters.");
        }
        List<Long> discarded = deadLetters.discard(ids, ConsoleHttp.session(exchange).username(), reason, clock.instant());
        for (long id : ids) {
            // the reason is the operator's free text: it stays in dead_letter.discard_reason, not in the audit trail
            audit.record(exchange, "Console discard", "dead_letter/" + id, discarded.contains(id) ? "discarded" : "not discarded: not open");
        }
        ConsoleHttp.redirect(exchange, DeadLetterForm.back(exchange) + "?discarded=" + discarded.size());
    }
}
