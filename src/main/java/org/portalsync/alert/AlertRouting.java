package org.portalsync.alert;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.portalsync.config.ConfigurationException;

/**
 * Which alert kinds go where: through mail, the chat webhook, both, or only into the daily digest
 * ({@code portal-sync.alert.routing}), and to whom an alert mail of a kind goes when not to
 * {@code portal-sync.alert.mail.to} ({@code portal-sync.alert.mail.to-by-kind}). A kind not named keeps its
 * default: a critical kind through every configured channel at once, a warning in the digest. A channel
 * that is not configured (no mail host, no webhook URL) is left out, as it is by default.
 */
public final class AlertRouting {

    public static final String DIGEST = "digest";

    private final Map<AlertKind, Set<String>> routes;
    private final Map<AlertKind, List<String>> recipients;
    private final List<String> configured;

    private AlertRouting(Map<AlertKind, Set<String>> routes, Map<AlertKind, List<String>> recipients, List<String> configured) {
        this.routes = routes;
        this.recipients = recipients;
        this.configured = List.copyOf(configured);
    }

    /**
     * @param routing    e.g. {@code EHR_DOWN=mail,webhook; MAPPING_FAILURE=digest; WRITE_BACK_FAILED=mail}
     * @param byKind     e.g. {@code WRITE_BACK_FAILED=frontdesk@practice.example, it@practice.example}
     * @param configured the channels that are set up ({@link AlertNotice#MAIL}, {@link AlertNotice#WEBHOOK})
     * @throws ConfigurationException naming the setting, the entry and what is expected
     */
    public static AlertRouting parse(String routingKey, String routing, String byKindKey, String byKind, List<String> configured) {
        Map<AlertKind, Set<String>> routes = new EnumMap<>(AlertKind.class);
        for (Map.Entry<AlertKind, String> entry : entries(routingKey, routing).entrySet()) {
            Set<String> channels = new java.util.LinkedHashSet<>();
            for (String channel : entry.getValue().split(",")) {
                String name = channel.strip().toLowerCase(Locale.ROOT);
                if (!List.of(AlertNotice.MAIL, AlertNotice.WEBHOOK, DIGEST).contains(name)) {
                    throw new ConfigurationException(routingKey + ": '" + channel.strip() + "' for " + entry.getKey()
                            + " is not a channel: expected mail, webhook, both (mail,webhook) or digest");
                }
                channels.add(name);
            }
            if (channels.contains(DIGEST) && channels.size() > 1) {
                throw new ConfigurationException(routingKey + ": " + entry.getKey() + " is sent at once (mail, webhook) or only in the digest, "
                        + "not both: an alert sent at once is not repeated in the digest");
            }
            channels.remove(DIGEST);
            routes.put(entry.getKey(), Set.copyOf(channels));
        }
        Map<AlertKind, List<String>> recipients = new EnumMap<>(AlertKind.class);
        entries(byKindKey, byKind).forEach((kind, addresses) -> recipients.put(kind,
                java.util.Arrays.stream(addresses.split(",")).map(String::strip).filter(a -> !a.isEmpty()).toList()));
        return new AlertRouting(routes, recipients, configured);
    }

    /** Every kind at its default: critical through every configured channel, warnings in the digest. */
    public static AlertRouting defaults(List<String> configured) {
        return new AlertRouting(Map.of(), Map.of(), configured);
    }

    /** The configured channels a notice of this kind goes out through at once; empty: only in the daily digest. */
    public List<String> channels(AlertKind kind) {
        Set<String> routed = routes.get(kind);
        if (routed == null) {
            return kind.critical() ? configured : List.of();
        }
        return configured.stream().filter(routed::contains).toList();
    }

    /** The kinds whose alerts go out at once through some channel. */
    public Set<AlertKind> immediate() {
        Set<AlertKind> kinds = EnumSet.noneOf(AlertKind.class);
        for (AlertKind kind : AlertKind.values()) {
            if (!channels(kind).isEmpty()) {
                kinds.add(kind);
            }
        }
        return kinds;
    }

    /** The kinds the daily digest reports: those no channel sends at once. */
    public Set<AlertKind> digestOnly() {
        Set<AlertKind> kinds = EnumSet.allOf(AlertKind.class);
        kinds.removeAll(immediate());
        return kinds;
    }

    /** Who gets an alert mail of this kind. */
    public List<String> mailRecipients(AlertKind kind, List<String> otherwise) {
        return recipients.getOrDefault(kind, otherwise);
    }

    private static Map<AlertKind, String> entries(String key, String value) {
        Map<AlertKind, String> entries = new EnumMap<>(AlertKind.class);
        if (value == null || value.isBlank()) {
            return entries;
        }
        for (String entry : value.split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int equals = entry.indexOf('=');
            if (equals < 0) {
                throw new ConfigurationException(key + ": '" + entry.strip() + "' is not KIND=value (entries separated by ';')");
            }
            String name = entry.substring(0, equals).strip().toUpperCase(Locale.ROOT);
            AlertKind kind;
            try {
                kind = AlertKind.valueOf(name);
            } catch (IllegalArgumentException e) {
                List<String> kinds = new ArrayList<>();
                for (AlertKind known : AlertKind.values()) {
                    kinds.add(known.name());
                }
                throw new ConfigurationException(key + ": '" + name + "' is not an alert kind; the kinds are " + String.join(", ", kinds));
            }
            entries.put(kind, entry.substring(equals + 1).strip());
        }
        return entries;
    }
}
