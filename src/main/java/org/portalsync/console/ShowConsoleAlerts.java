package org.portalsync.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/**
 * {@code GET /console/alerts}: the latest alerts, newest first: kind, source, how often (storm control counts
 * repeats in one row), first and last occurrence, whether the channels took it, whether its cause recovered. Alert
 * texts name records and fields, never values.
 */
public final class ShowConsoleAlerts implements Processor {

    private static final int LIMIT = 100;

    private final PortalDatabase database;
    private final ZoneId zone;

    public ShowConsoleAlerts(PortalDatabase database, ZoneId zone) {
        this.database = database;
        this.zone = zone;
    }

    @Override
    public void process(Exchange exchange) {
        List<List<String>> rows = database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT id, raised_at, severity, kind, source, occurrences, last_raised_at,"
                    + " message, dead_letter_id, sent_at, recovered_at FROM alert ORDER BY COALESCE(last_raised_at, raised_at) DESC, id DESC")) {
                select.setMaxRows(LIMIT);
                List<List<String>> table = new ArrayList<>();
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        Instant recovered = instant(row, "recovered_at");
                        long deadLetter = row.getLong("dead_letter_id");
                        table.add(List.of(Html.time(instant(row, "raised_at"), zone), Html.escape(row.getString("severity")),
                                "<strong>" + Html.escape(row.getString("kind")) + "</strong>", Html.escape(row.getString("source")),
                                row.getInt("occurrences") + (row.getInt("occurrences") > 1 ? ", last " + Html.time(instant(row, "last_raised_at"), zone) : ""),
                                Html.escape(row.getString("message")) + (row.wasNull() ? "" : " (dead letter #" + deadLetter + ")"),
                                row.getObject("sent_at") == null ? Html.badge("warn", "not sent yet") : Html.badge("ok", "sent"),
                                recovered == null ? "&ndash;" : Html.badge("ok", "recovered") + " " + Html.time(recovered, zone)));
                    }
                }
                return table;
            }
        });
        String body = Html.table("alerts", List.of("raised", "severity", "kind", "source", "occurrences", "message", "channels", "recovery"), rows,
                "No alerts.");
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Recent alerts", ConsoleHttp.session(exchange), body));
    }

    private static Instant instant(ResultSet row, String column) throws java.sql.SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
