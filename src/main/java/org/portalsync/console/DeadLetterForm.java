package org.portalsync.console;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.Exchange;

/** What a dead-letter form asks for: which letters (the one button pressed, or the boxes ticked) and where to go back to. */
final class DeadLetterForm {

    private static final int MAX_IDS = 500;

    private DeadLetterForm() {
    }

    /** The letter of the row's button, if one was pressed; else the ticked ones. */
    static Set<Long> ids(Exchange exchange) {
        String one = ConsoleHttp.field(exchange, "one");
        List<String> ticked = one.isEmpty() ? ConsoleHttp.form(exchange).getOrDefault("id", List.of()) : List.of(one);
        if (ticked.isEmpty()) {
            throw ConsoleRefusal.badRequest("Select at least one dead letter.");
        }
        if (ticked.size() > MAX_IDS) {
            throw ConsoleRefusal.badRequest("Select at most " + MAX_IDS + " dead letters at a time.");
        }
        Set<Long> ids = new LinkedHashSet<>();
        for (String id : ticked) {
            if (!id.matches("\\d{1,18}")) {
                throw ConsoleRefusal.badRequest("A dead letter is named by its number.");
            }
            ids.add(Long.parseLong(id));
        }
        return ids;
    }

    /** A console page to go back to; anything else goes back to the dead-letter list. */
    static String back(Exchange exchange) {
        String back = ConsoleHttp.field(exchange, "back");
        return back.matches("/console(/[a-z-]+(/\\d{1,18})?)?") ? back : "/console/dead-letters";
    }
}
