package org.portalsync.console;

import org.apache.camel.Exchange;

/** The line a page shows after an operator's action, from the counts in its address (no record, no value). */
final class ActionNotice {

    private ActionNotice() {
    }

    static String of(Exchange exchange) {
        Integer replayed = count(exchange, "replayed");
        Integer discarded = count(exchange, "discarded");
        StringBuilder notice = new StringBuilder();
        if (replayed != null) {
            Integer resolved = count(exchange, "resolved");
            Integer skipped = count(exchange, "skipped");
            notice.append("Replayed ").append(replayed).append(": ").append(resolved == null ? 0 : resolved).append(" now in sync, ")
                    .append(replayed - (resolved == null ? 0 : resolved)).append(" still failing.");
            if (skipped != null && skipped > 0) {
                notice.append(" ").append(skipped).append(" not replayed (already closed, just replayed, or a record that can be neither read nor applied again).");
            }
        }
        if (discarded != null) {
            notice.append("Discarded ").append(discarded).append(".");
        }
        return notice.isEmpty() ? "" : "<p class=\"notice\" role=\"status\">" + Html.escape(notice) + "</p>";
    }

    private static Integer count(Exchange exchange, String name) {
        Object value = exchange.getIn().getHeader(name);
        if (!(value instanceof String text) || !text.matches("\\d{1,6}")) {
            return null;
        }
        return Integer.valueOf(text);
    }
}
