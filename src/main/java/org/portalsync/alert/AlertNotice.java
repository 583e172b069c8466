package org.portalsync.alert;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message to one channel: an alert, or the news that its outage ended. Its texts carry what the
 * alert row carries (kind, source, record ids, counts and times), never a patient's value or a secret:
 * alert messages are written that way ({@link SafeFailureText}).
 *
 * @param alertId null for an alert held in memory while the portal database is down
 */
public record AlertNotice(Long alertId, Notice notice, String channel, AlertKind kind, String source, String message, int occurrences,
        Instant firstAt, Instant lastAt, Instant recoveredAt) {

    public enum Notice {
        ALERT, RECOVERED
    }

    public static final String MAIL = "mail";
    public static final String WEBHOOK = "webhook";

    public AlertNotice toChannel(String other) {
        return new AlertNotice(alertId, notice, other, kind, source, message, occurrences, firstAt, lastAt, recoveredAt);
    }

    public String subject() {
        return notice == Notice.RECOVERED
                ? "[portal-sync] RECOVERED " + kind + " at " + source
                : "[portal-sync] " + kind.severity() + " " + kind + " at " + source;
    }

    public String text() {
        StringBuilder text = new StringBuilder();
        if (notice == Notice.RECOVERED) {
            text.append(kind).append(" at ").append(source).append(" has ended: a call of the same kind succeeded at ").append(recoveredAt)
                    .append(".\n").append(occurrences).append(occurrences == 1 ? " failure" : " failures").append(" between ")
                    .append(firstAt).append(" and ").append(lastAt).append(".\nThe first: ").append(message);
        } else {
            text.append(kind).append(" at ").append(source).append(" (").append(kind.severity().toLowerCase(java.util.Locale.ROOT))
                    .append(")\n").append(message).append('\n').append(occurrences).append(occurrences == 1 ? " occurrence" : " occurrences")
                    .append(", first ").append(firstAt).append(", last ").append(lastAt).append('.');
            if (kind.outage()) {
                text.append("\nFurther failures of this kind are counted into this alert; a \"recovered\" alert follows when it ends.");
            }
        }
        text.append(alertId == null ? "\n(Held by the engine while the portal database is down.)" : "\nAlert #" + alertId + ".");
        return text.toString();
    }

    /** The chat webhook's body: {@code text} for chat tools (Slack, Mattermost, Teams), the rest for anything that reads fields. */
    public Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", subject() + "\n" + text());
        json.put("notice", notice.name());
        json.put("kind", kind.name());
        json.put("severity", kind.severity());
        json.put("source", source);
        json.put("alertId", alertId);
        json.put("occurrences", occurrences);
        json.put("firstAt", String.valueOf(firstAt));
        json.put("lastAt", String.valueOf(lastAt));
        json.put("recoveredAt", recoveredAt == null ? null : recoveredAt.toString());
        return json;
    }
}
