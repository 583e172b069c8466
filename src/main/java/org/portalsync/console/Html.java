package org.portalsync.console;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** HTML for the console's pages: every value is escaped here, so a record's text can never become markup. */
public final class Html {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

    private Html() {
    }

    public static String escape(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** An instant in the practice's zone, or a dash. */
    public static String time(Instant instant, ZoneId zone) {
        return instant == null ? "&ndash;" : "<time datetime=\"" + instant + "\">" + escape(TIME.format(instant.atZone(zone))) + "</time>";
    }

    /** e.g. {@code 3 h 12 min}. */
    public static String duration(Duration duration) {
        if (duration == null) {
            return "&ndash;";
        }
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 120) {
            return seconds + " s";
        }
        long minutes = seconds / 60;
        return minutes < 120 ? minutes + " min" : minutes / 60 + " h " + minutes % 60 + " min";
    }

    /** A table; the header texts are escaped, the cells are HTML already (escape values with {@link #escape}). */
    public static String table(String cssClass, List<String> headers, List<List<String>> rows, String empty) {
        if (rows.isEmpty()) {
            return "<p class=\"empty\">" + escape(empty) + "</p>";
        }
        StringBuilder out = new StringBuilder("<table class=\"" + cssClass + "\"><thead><tr>");
        headers.forEach(header -> out.append("<th>").append(escape(header)).append("</th>"));
        out.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            out.append("<tr>");
            row.forEach(cell -> out.append("<td>").append(cell).append("</td>"));
            out.append("</tr>");
        }
        return out.append("</tbody></table>").toString();
    }

    /** A status badge: {@code ok} green, {@code warn} amber, {@code bad} red. */
    public static String badge(String kind, String text) {
        return "<span class=\"badge " + kind + "\">" + escape(text) + "</span>";
    }

    /** The hidden field every state-changing form carries. */
    public static String csrfField(ConsoleSession session) {
        return "<input type=\"hidden\" name=\"" + ConsoleHttp.CSRF_FIELD + "\" value=\"" + escape(session.csrfToken()) + "\">";
    }
}
