package org.portalsync.console;

import java.time.Clock;
import java.util.List;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.console.ConsoleDeadLetters.Claimed;

/**
 * {@code POST /console/dead-letters/replay}, first step: claims the selected dead letters that are still open
 * and whose record the EHR can be asked for again, or whose HL7 v2 message can be applied again; the body becomes
 * them, for the route to send each through its record's refresh route, or its message to the inbox workers. A letter already closed, or replayed seconds ago (a double click), is not
 * claimed: a replay never runs twice at once, and a record already in the portal is not written again.
 */
public final class ClaimConsoleReplay implements Processor {

    /** The exchange property with how many letters were asked for. */
    public static final String REQUESTED = "PortalSyncConsoleReplayRequested";
    public static final String BACK = "PortalSyncConsoleBack";
    /** Longer than a replay of one record takes with its retries (1 + 5 + 25 s by default). */
    static final int DOUBLE_CLICK_GUARD_SECONDS = 60;

    private final ConsoleDeadLetters deadLetters;
    private final ConsoleAudit audit;
    private final Clock clock;

    public ClaimConsoleReplay(ConsoleDeadLetters deadLetters, ConsoleAudit audit, Clock clock) {
        this.deadLetters = deadLetters;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Set<Long> ids = DeadLetterForm.ids(exchange);
        exchange.setProperty(BACK, DeadLetterForm.back(exchange));
        exchange.setProperty(REQUESTED, ids.size());
        List<Claimed> claimed = deadLetters.claim(ids, ConsoleHttp.session(exchange).username(), clock.instant(), DOUBLE_CLICK_GUARD_SECONDS);
        for (long id : ids) {
            boolean replaying = claimed.stream().anyMatch(letter -> letter.id() == id);
            audit.record(exchange, "Console replay", "dead_letter/" + id, replaying ? "replaying" : "not replayed: closed, just replayed or not replayable");
        }
        exchange.getMessage().setBody(claimed);
    }
}
