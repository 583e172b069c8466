package org.portalsync.console;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.portalsync.console.ConsoleDeadLetters.Letter;

/**
 * Dead letters as a form: a checkbox and a Replay button per open letter, Replay selected and Discard selected
 * (with its required reason) below, for operators; the same table without the controls for viewers. Used by the
 * dead-letter page and by a patient's page.
 */
final class DeadLetterTable {

    private DeadLetterTable() {
    }

    /**
     * @param back         the console page to return to after an action
     * @param patientLinks the page of a letter's patient, or null when the portal lacks it
     */
    static String render(List<Letter> letters, ConsoleSession session, ConsoleDeadLetters store, String back, ZoneId zone,
            Function<Letter, String> patientLinks) {
        boolean operator = session.role() == ConsoleRole.OPERATOR;
        boolean anyOpen = letters.stream().anyMatch(Letter::open);
        List<List<String>> rows = new ArrayList<>();
        for (Letter letter : letters) {
            List<String> row = new ArrayList<>();
            if (operator && anyOpen) {
                row.add(letter.open() ? "<input type=\"checkbox\" name=\"id\" value=\"" + letter.id() + "\" aria-label=\"select dead letter "
                        + letter.id() + "\">" : "");
            }
            String link = patientLinks.apply(letter);
            String record = letter.record() == null ? "a poll page of " + Html.escape(letter.routeId()) : Html.escape(letter.record());
            row.add("#" + letter.id());
            row.add(Html.time(letter.failedAt(), zone));
            row.add(Html.escape(letter.source()) + " " + (link == null ? record : "<a href=\"" + link + "\">" + record + "</a>"));
            row.add("<strong>" + Html.escape(letter.causeType()) + "</strong><br><span class=\"cause\">" + Html.escape(letter.cause()) + "</span>");
            row.add(Html.escape(letter.payloadSummary()));
            row.add(letter.resyncAttempts() + (letter.nextResyncAt() != null && letter.open() && "NEW".equals(letter.status())
                    ? "<br>next " + Html.time(letter.nextResyncAt(), zone) : ""));
            row.add(letter.operatorReplays() == 0 ? "0" : letter.operatorReplays() + "<br>last by " + Html.escape(letter.lastReplayedBy()) + " "
                    + Html.time(letter.lastReplayedAt(), zone));
            row.add(status(letter, zone));
            if (operator && anyOpen) {
                row.add(letter.open() && store.replayable(letter) ? "<button type=\"submit\" name=\"one\" value=\"" + letter.id()
                        + "\" formaction=\"/console/dead-letters/replay\" class=\"replay\">Replay</button>" : "");
            }
            rows.add(row);
        }
        List<String> headers = new ArrayList<>();
        if (operator && anyOpen) {
            headers.add("");
        }
        headers.addAll(List.of("dead letter", "failed", "record", "cause", "payload", "automatic re-syncs", "operator replays", "status"));
        if (operator && anyOpen) {
            headers.add("");
        }
        String table = Html.table("dead-letters", headers, rows, "No dead letters.");
        if (!operator || !anyOpen) {
            return table;
        }
        return "<form method=\"post\" action=\"/console/dead-letters/replay\" class=\"dead-letters\">" + Html.csrfField(session)
                + "<input type=\"hidden\" name=\"back\" value=\"" + Html.escape(back) + "\">" + table
                + "<div class=\"actions\"><button type=\"submit\" class=\"replay-selected\">Replay selected</button>"
                + "<label>Reason <input name=\"reason\" maxlength=\"500\" placeholder=\"why these need no replay\"></label>"
                + "<button type=\"submit\" formaction=\"/console/dead-letters/discard\" class=\"discard\">Discard selected</button></div></form>";
    }

    private static String status(Letter letter, ZoneId zone) {
        return switch (letter.status()) {
            case "NEW" -> Html.badge("warn", "open");
            case "NEEDS_OPERATOR" -> Html.badge("bad", "needs operator");
            case "RESOLVED" -> Html.badge("ok", "resolved");
            case ConsoleDeadLetters.DISCARDED -> Html.badge("muted", "discarded") + "<br>by " + Html.escape(letter.discardedBy()) + " "
                    + Html.time(letter.discardedAt(), zone) + ": " + Html.escape(letter.discardReason());
            default -> Html.escape(letter.status());
        };
    }
}
