package org.portalsync.console;

import java.time.ZoneId;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code GET /console/dead-letters}: the open dead letters, oldest first, with their cause, a payload summary
 * naming only the record, the automatic re-syncs made and the operator's replays; then the last closed ones.
 * After an action, a line says what it did ({@code ?replayed=2&resolved=1}).
 */
public final class ListConsoleDeadLetters implements Processor {

    private static final int LIMIT = 200;

    private final ConsoleDeadLetters deadLetters;
    private final PatientLinks patientLinks;
    private final ZoneId zone;

    public ListConsoleDeadLetters(ConsoleDeadLetters deadLetters, PatientLinks patientLinks, ZoneId zone) {
        this.deadLetters = deadLetters;
        this.patientLinks = patientLinks;
        this.zone = zone;
    }

    @Override
    public void process(Exchange exchange) {
        ConsoleSession session = ConsoleHttp.session(exchange);
        long open = deadLetters.countOpen();
        String body = ActionNotice.of(exchange)
                + "<p>" + open + " open" + (open > LIMIT ? ", the oldest " + LIMIT + " shown" : "") + ". A replay reads the record again from the "
                + "EHR through its normal route: a record already in the portal is left as it is.</p>"
                + DeadLetterTable.render(deadLetters.open(LIMIT), session, deadLetters, "/console/dead-letters", zone, patientLinks::of)
                + "<h2>Recently closed</h2>"
                + DeadLetterTable.render(deadLetters.recentlyClosed(20), session, deadLetters, "/console/dead-letters", zone, patientLinks::of);
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Dead letters", session, body));
    }
}
