package org.portalsync.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/**
 * {@code GET /console}: per source, its feeds (high-water mark, lag behind now, when the mark last moved, the
 * last search the engine sent the EHR for the feed's type), the share of its patients whose last sync failed in
 * the last 24 hours, its open dead letters and its open alerts. Counts and times only: no patient data.
 */
public final class ShowConsoleOverview implements Processor {

    private static final Duration DAY = Duration.ofHours(24);
    /** alert.source is null for alerts of the engine itself (a mapping rejected, re-syncs used up). */
    private static final String ENGINE = "(engine)";

    private final PortalDatabase database;
    private final String auditActor;
    private final ZoneId zone;
    private final Clock clock;

    public ShowConsoleOverview(PortalDatabase database, String auditActor, ZoneId zone, Clock clock) {
        this.database = database;
        this.auditActor = auditActor;
        this.zone = zone;
        this.clock = clock;
    }

    private record Feed(String feed, Instant mark, Instant moved) {
    }

    @Override
    public void process(Exchange exchange) {
        Instant now = clock.instant();
        String body = database.inTransaction(connection -> {
            Map<String, List<Feed>> feeds = feeds(connection);
            Map<String, long[]> failing = failing(connection, now.minus(DAY));
            Map<String, Long> deadLetters = countBySource(connection,
                    "SELECT COALESCE(source, '" + ENGINE + "'), COUNT(*) FROM dead_letter WHERE status IN ('NEW', 'NEEDS_OPERATOR') GROUP BY source", null);
            Map<String, Long> alerts = countBySource(connection, "SELECT COALESCE(source, '" + ENGINE + "'), COUNT(*) FROM alert"
                    + " WHERE recovered_at IS NULL AND (open_key IS NOT NULL OR raised_at >= ?) GROUP BY source", now.minus(DAY));
            TreeSet<String> sources = new TreeSet<>(feeds.keySet());
            sources.addAll(failing.keySet());
            sources.addAll(deadLetters.keySet());
            sources.addAll(alerts.keySet());
            StringBuilder html = new StringBuilder();
            if (sources.isEmpty()) {
                html.append("<p class=\"empty\">Nothing synced yet: the first poll has not finished.</p>");
            }
            for (String source : sources) {
                long[] counts = failing.getOrDefault(source, new long[2]);
                long open = deadLetters.getOrDefault(source, 0L);
                long openAlerts = alerts.getOrDefault(source, 0L);
                html.append("<section class=\"source\"><h2>").append(Html.escape(source)).append("</h2><dl class=\"figures\">")
                        .append("<div><dt>Patients failing (24 h)</dt><dd>").append(counts[0] == 0 ? Html.badge("ok", "0")
                                : Html.badge("bad", counts[0] + " of " + counts[1] + " (" + percent(counts[0], counts[1]) + ")"))
                        .append("</dd></div><div><dt>Open dead letters</dt><dd><a href=\"/console/dead-letters\">")
                        .append(open == 0 ? Html.badge("ok", "0") : Html.badge("bad", String.valueOf(open))).append("</a></dd></div>")
                        .append("<div><dt>Open alerts</dt><dd><a href=\"/console/alerts\">")
                        .append(openAlerts == 0 ? Html.badge("ok", "0") : Html.badge("warn", String.valueOf(openAlerts))).append("</a></dd></div>")
                        .append("</dl>");
                List<List<String>> rows = new ArrayList<>();
                for (Feed feed : feeds.getOrDefault(source, List.of())) {
                    rows.add(List.of(Html.escape(feed.feed()), Html.time(lastSearch(connection, feed.feed()), zone), Html.time(feed.mark(), zone),
                            Html.duration(Duration.between(feed.mark(), now)), Html.time(feed.moved(), zone)));
                }
                html.append(Html.table("feeds", List.of("feed", "last poll (EHR search)", "high-water mark", "lag", "mark last moved"), rows,
                        "No feed of this source keeps a high-water mark."));
                html.append("</section>");
            }
            return html.toString();
        });
        ConsoleHttp.page(exchange, 200, ConsolePage.render("Overview", ConsoleHttp.session(exchange), body));
    }

    private static Map<String, List<Feed>> feeds(Connection connection) throws SQLException {
        Map<String, List<Feed>> feeds = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT source, feed, high_water_mark, updated_at FROM sync_high_water_mark ORDER BY source, feed");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                feeds.computeIfAbsent(rows.getString(1), source -> new ArrayList<>()).add(new Feed(rows.getString(2),
                        rows.getObject(3, OffsetDateTime.class).toInstant(), rows.getObject(4, OffsetDateTime.class).toInstant()));
            }
        }
        return feeds;
    }

    /** Per source: records whose last attempt in the window failed, and records attempted in it. */
    private static Map<String, long[]> failing(Connection connection, Instant since) throws SQLException {
        Map<String, long[]> counts = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT source, SUM(CASE WHEN pending_changes THEN 1 ELSE 0 END), COUNT(*)"
                + " FROM patient_sync_status WHERE last_attempt_at >= ? GROUP BY source")) {
            select.setObject(1, PortalDatabase.utc(since));
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
                }
            }
        }
        return counts;
    }

    private static Map<String, Long> countBySource(Connection connection, String sql, Instant since) throws SQLException {
        Map<String, Long> counts = new TreeMap<>();
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            if (since != null) {
                select.setObject(1, PortalDatabase.utc(since));
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return counts;
    }

    /**
     * The engine's last request of the feed from the EHR, from the audit trail: a feed is named for its resource type
     * ({@code Patient}: {@code Patient.search}; its deletion sweep {@code Patient-deletions}: {@code Patient.history}).
     */
    private Instant lastSearch(Connection connection, String feed) throws SQLException {
        String type = feed.split("-")[0];
        try (PreparedStatement select = connection.prepareStatement("SELECT MAX(occurred_at) FROM audit_event WHERE actor = ? AND action = ?")) {
            select.setString(1, auditActor);
            select.setString(2, type + (feed.endsWith("-deletions") ? ".history" : ".search"));
            try (ResultSet rows = select.executeQuery()) {
                OffsetDateTime last = rows.next() ? rows.getObject(1, OffsetDateTime.class) : null;
                return last == null ? null : last.toInstant();
            }
        }
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "0 %" : String.format(java.util.Locale.ROOT, "%.1f %%", 100.0 * part / whole);
    }
}
