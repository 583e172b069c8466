package org.portalsync.alert;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.portalsync.portal.PortalDatabase;

/**
 * Which alerts still have to go out through which channel, and the end of outages. An alert row's
 * {@code sent_at} ({@code recovery_sent_at}) is set only once every configured channel took its
 * notice; each channel that did is kept in {@code alert_delivery}, so a channel that failed is
 * tried again without the others sending twice.
 */
public final class AlertDeliveries {

    /** Outage kinds whose end is a successful call to the EHR. */
    private static final List<AlertKind> EHR_OUTAGES = List.of(AlertKind.EHR_DOWN, AlertKind.AUTH_FAILURE, AlertKind.EHR_SERVER_ERROR,
            AlertKind.EHR_RATE_LIMITED);

    private final PortalDatabase database;
    private final AlertRouting routing;
    private final Map<String, String> hostsBySource;

    /**
     * @param routing       which kinds go out at once, through which of the configured channels
     * @param hostsBySource each FHIR source's EHR host, as the audit rows of its calls name it (a failure that names
     *                      no source, {@link AlertLog#NO_SOURCE}, is the first source's)
     */
    public AlertDeliveries(PortalDatabase database, AlertRouting routing, Map<String, String> hostsBySource) {
        this.database = database;
        this.routing = routing;
        this.hostsBySource = new LinkedHashMap<>(hostsBySource);
        if (!hostsBySource.isEmpty()) {
            this.hostsBySource.putIfAbsent(AlertLog.NO_SOURCE, hostsBySource.values().iterator().next());
        }
    }

    /**
     * Ends the open outages that a later success of the same source shows are over: for the EHR's kinds, a
     * call to that source's EHR audited as a success, or a record of that source synced (a legacy source, an
     * EHR whose host is not known here), after the outage's last failure; for the portal database, that this
     * query ran at all. Another source's success ends nothing. Only what the database shows counts, so it
     * holds across restarts and instances.
     *
     * @return how many outages ended
     */
    public int recoverOutages(Instant now) {
        return database.inTransaction(connection -> {
            int ended = 0;
            List<Object[]> open = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, kind, COALESCE(last_raised_at, raised_at), source FROM alert WHERE open_key IS NOT NULL")) {
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        open.add(new Object[] {rows.getLong(1), rows.getString(2), rows.getObject(3, OffsetDateTime.class), rows.getString(4)});
                    }
                }
            }
            for (Object[] outage : open) {
                AlertKind kind = AlertKind.valueOf((String) outage[1]);
                Instant recovered = null;
                if (kind == AlertKind.PORTAL_DB_DOWN) {
                    recovered = now;
                } else if (EHR_OUTAGES.contains(kind)) {
                    recovered = firstSuccessAfter(connection, (String) outage[3], PortalDatabase.instant((OffsetDateTime) outage[2]));
                }
                if (recovered != null) {
                    try (PreparedStatement update = connection.prepareStatement(
                            "UPDATE alert SET recovered_at = ?, open_key = NULL WHERE id = ? AND open_key IS NOT NULL")) {
                        update.setObject(1, PortalDatabase.utc(recovered));
                        update.setLong(2, (Long) outage[0]);
                        ended += update.executeUpdate();
                    }
                }
            }
            return ended;
        });
    }

    private Instant firstSuccessAfter(Connection connection, String source, Instant lastFailure) throws SQLException {
        Instant call = null;
        String host = hostsBySource.get(source);
        if (host != null) {
            call = earliest(connection, "SELECT MIN(occurred_at) FROM audit_event WHERE peer = ? AND result = 'success' AND occurred_at > ?",
                    host, lastFailure);
        }
        Instant synced = earliest(connection, "SELECT MIN(last_success_at) FROM patient_sync_status WHERE source = ? AND last_success_at > ?",
                source, lastFailure);
        return call == null ? synced : synced == null || call.isBefore(synced) ? call : synced;
    }

    private static Instant earliest(Connection connection, String sql, String key, Instant after) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, key);
            select.setObject(2, PortalDatabase.utc(after));
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return PortalDatabase.instant(row.getObject(1, OffsetDateTime.class));
            }
        }
    }

    /**
     * The notices of alerts sent at once (critical kinds, or as portal-sync.alert.routing says) that some
     * channel of their kind has not taken yet, oldest first, an alert before its recovery: a recovery goes
     * out only for an outage that was alerted.
     */
    public List<AlertNotice> undelivered(int limit) {
        java.util.Set<AlertKind> immediate = routing.immediate();
        if (immediate.isEmpty()) {
            return List.of();
        }
        String kinds = AlertKind.sqlList(immediate);
        return database.inTransaction(connection -> {
            List<AlertNotice> notices = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, kind, source, message, occurrences, raised_at, COALESCE(last_raised_at, raised_at), recovered_at,"
                            + " sent_at FROM alert WHERE kind IN (" + kinds + ")"
                            + " AND (sent_at IS NULL OR (recovered_at IS NOT NULL AND recovery_sent_at IS NULL)) ORDER BY id")) {
                select.setMaxRows(limit);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        long id = rows.getLong(1);
                        Instant recovered = PortalDatabase.instant(rows.getObject(8, OffsetDateTime.class));
                        boolean sent = rows.getObject(9) != null;
                        AlertNotice alert = new AlertNotice(id, sent ? AlertNotice.Notice.RECOVERED : AlertNotice.Notice.ALERT, null,
                                AlertKind.valueOf(rows.getString(2)), rows.getString(3), rows.getString(4), rows.getInt(5),
                                PortalDatabase.instant(rows.getObject(6, OffsetDateTime.class)),
                                PortalDatabase.instant(rows.getObject(7, OffsetDateTime.class)), recovered);
                        Set<String> done = delivered(connection, id, alert.notice());
                        for (String channel : routing.channels(alert.kind())) {
                            if (!done.contains(channel)) {
                                notices.add(alert.toChannel(channel));
                            }
                        }
                    }
                }
            }
            return notices;
        });
    }

    private static Set<String> delivered(Connection connection, long alertId, AlertNotice.Notice notice) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT channel FROM alert_delivery WHERE alert_id = ? AND notice = ?")) {
            select.setLong(1, alertId);
            select.setString(2, notice.name());
            Set<String> channels = new HashSet<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    channels.add(rows.getString(1));
                }
            }
            return channels;
        }
    }

    /** The channel took the notice; once every channel has, the alert (or its recovery) is sent. */
    public void delivered(AlertNotice notice, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO alert_delivery (alert_id, notice, channel, sent_at) VALUES (?, ?, ?, ?)")) {
                insert.setLong(1, notice.alertId());
                insert.setString(2, notice.notice().name());
                insert.setString(3, notice.channel());
                insert.setObject(4, PortalDatabase.utc(now));
                insert.executeUpdate();
            }
            if (delivered(connection, notice.alertId(), notice.notice()).containsAll(routing.channels(notice.kind()))) {
                String column = notice.notice() == AlertNotice.Notice.ALERT ? "sent_at" : "recovery_sent_at";
                try (PreparedStatement update = connection.prepareStatement("UPDATE alert SET " + column + " = ? WHERE id = ?")) {
                    update.setObject(1, PortalDatabase.utc(now));
                    update.setLong(2, notice.alertId());
                    update.executeUpdate();
                }
            }
            return null;
        });
    }
}
