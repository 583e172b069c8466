package org.portalsync.console;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.console.ConsoleDeadLetters.Claimed;
import org.portalsync.console.ConsoleDeadLetters.Letter;

/**
 * {@code POST /console/dead-letters/replay}, last step: after each claimed record went through its refresh
 * route, says which are now in sync (their dead letter resolved by the delivery) and which still fail (their
 * dead letter updated by the refresh route's own error handling), audits each outcome and goes back to the page.
 */
public final class ReportConsoleReplay implements Processor {

    private final ConsoleDeadLetters deadLetters;
    private final ConsoleAudit audit;

    public ReportConsoleReplay(ConsoleDeadLetters deadLetters, ConsoleAudit audit) {
        this.deadLetters = deadLetters;
        this.audit = audit;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void process(Exchange exchange) {
        List<Claimed> claimed = exchange.getMessage().getBody(List.class);
        int resolved = 0;
        for (Claimed letter : claimed) {
            Letter now = deadLetters.find(letter.id()).orElseThrow();
            boolean synced = DeadLetterStore.RESOLVED.equals(now.status());
            resolved += synced ? 1 : 0;
            audit.record(exchange, "Console replay", "dead_letter/" + letter.id() + " " + now.record(),
                    synced ? "resolved" : "still failing: " + now.causeType());
        }
        int requested = exchange.getProperty(ClaimConsoleReplay.REQUESTED, Integer.class);
        ConsoleHttp.redirect(exchange, exchange.getProperty(ClaimConsoleReplay.BACK, String.class) + "?replayed=" + claimed.size()
                + "&resolved=" + resolved + "&skipped=" + (requested - claimed.size()));
    }
}
