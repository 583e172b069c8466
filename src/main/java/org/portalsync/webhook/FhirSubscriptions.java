package org.portalsync.webhook;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.portalsync.portal.PortalDatabase;
import org.portalsync.webhook.WebhookNotification.Kind;
import org.portalsync.webhook.WebhookNotification.ResourceKey;
import org.portalsync.webhook.WebhookNotification.SubscriptionStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each FHIR Subscription of a source last told the engine ({@code fhir_subscription}), and the
 * catch-ups it asked for ({@code fhir_subscription_catch_up}).
 *
 * <p>The backport IG numbers a Subscription's events ({@code eventsSinceSubscriptionStart},
 * {@code notificationEvent.eventNumber}): a notification whose first event is not the one after the last
 * seen, or a heartbeat counting more events than were seen, means notifications were lost, and the
 * engine cannot tell which resources they named. So it polls: the catch-up runs the normal poll of the
 * Subscription's resource types now, which reads from the poll's high-water mark (the last change it
 * processed, less the overlap). The same when a Subscription falls silent (no heartbeat), once per
 * silence. Event numbers that go back (a notification sent again, or out of order) ask for nothing.
 */
public final class FhirSubscriptions {

    private static final Logger LOG = LoggerFactory.getLogger(FhirSubscriptions.class);

    /** A catch-up to run: its row ids and the union of their resource types. */
    public record DueCatchUp(List<Long> ids, Set<String> resourceTypes) {
    }

    private final List<String> defaultTypes;

    /** @param defaultTypes what a catch-up polls for a Subscription that has named no resource yet */
    public FhirSubscriptions(List<String> defaultTypes) {
        this.defaultTypes = List.copyOf(defaultTypes);
    }

    /**
     * Records a notification in the caller's transaction.
     *
     * @return the reason for a catch-up it asked for, if any
     */
    public Optional<String> record(Connection connection, String source, Kind kind, SubscriptionStatus status, List<ResourceKey> foci,
            Instant now) throws SQLException {
        Long previous = null;
        Set<String> types = new LinkedHashSet<>();
        boolean known = false;
        try (PreparedStatement select = connection.prepareStatement("SELECT last_event_number, resource_types FROM fhir_subscription "
                + "WHERE source = ? AND subscription = ? FOR UPDATE")) {
            select.setString(1, source);
            select.setString(2, status.subscription());
            try (ResultSet row = select.executeQuery()) {
                if (row.next()) {
                    known = true;
                    long last = row.getLong(1);
                    previous = row.wasNull() ? null : last;
                    types.addAll(split(row.getString(2)));
                }
            }
        }
        foci.forEach(focus -> types.add(focus.type()));
        String reason = null;
        Long newest = status.eventsSinceStart();
        if (!status.eventNumbers().isEmpty()) {
            long highest = status.eventNumbers().stream().mapToLong(Long::longValue).max().orElseThrow();
            newest = newest == null ? highest : Math.max(newest, highest);
        }
        if (kind == Kind.EVENT) {
            Long first = status.eventNumbers().isEmpty() ? status.eventsSinceStart()
                    : status.eventNumbers().stream().mapToLong(Long::longValue).min().orElseThrow();
            if (previous != null && first != null && first > previous + 1) {
                reason = "events " + (previous + 1) + (first - 1 > previous + 1 ? " to " + (first - 1) : "") + " never arrived (event " + first
                        + " came after " + previous + ")";
            } else if (foci.isEmpty()) {
                reason = "event notification without a focus (content empty)";
            }
        } else if (kind == Kind.HEARTBEAT && previous != null && newest != null && newest > previous) {
            reason = "heartbeat counts " + newest + " events, the last that arrived was " + previous;
        }
        Long last = previous == null ? newest : newest == null ? previous : Math.max(previous, newest);
        String typeList = String.join(",", types);
        if (known) {
            try (PreparedStatement update = connection.prepareStatement("UPDATE fhir_subscription SET topic = COALESCE(?, topic), "
                    + "status = COALESCE(?, status), last_type = ?, last_notification_at = ?, handshake_at = CASE WHEN ? THEN ? ELSE handshake_at END, "
                    + "last_heartbeat_at = CASE WHEN ? THEN ? ELSE last_heartbeat_at END, last_event_number = ?, resource_types = ?, "
                    + "silent_since = NULL WHERE source = ? AND subscription = ?")) {
                update.setString(1, status.topic());
                update.setString(2, status.status());
                update.setString(3, status.type());
                update.setObject(4, PortalDatabase.utc(now));
                update.setBoolean(5, kind == Kind.HANDSHAKE);
                update.setObject(6, PortalDatabase.utc(now));
                update.setBoolean(7, kind == Kind.HEARTBEAT);
                update.setObject(8, PortalDatabase.utc(now));
                update.setObject(9, last);
                update.setString(10, typeList);
                update.setString(11, source);
                update.setString(12, status.subscription());
                update.executeUpdate();
            }
        } else {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO fhir_subscription (source, subscription, topic, status, "
                    + "last_type, last_notification_at, handshake_at, last_heartbeat_at, last_event_number, resource_types) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                insert.setString(1, source);
                insert.setString(2, status.subscription());
                insert.setString(3, status.topic());
                insert.setString(4, status.status());
                insert.setString(5, status.type());
                insert.setObject(6, PortalDatabase.utc(now));
                insert.setObject(7, kind == Kind.HANDSHAKE ? PortalDatabase.utc(now) : null);
                insert.setObject(8, kind == Kind.HEARTBEAT ? PortalDatabase.utc(now) : null);
                insert.setObject(9, last);
                insert.setString(10, typeList);
                insert.executeUpdate();
            }
        }
        if (reason != null) {
            requestCatchUp(connection, source, status.subscription(), reason, types, now);
        }
        return Optional.ofNullable(reason);
    }

    /**
     * Asks for a catch-up for each Subscription silent for longer than the limit (no notification, not
     * even a heartbeat), once per silence: a later notification ends it.
     *
     * @return how many were found silent now
     */
    public int findSilent(PortalDatabase database, Duration limit, Instant now) {
        return database.inTransaction(connection -> {
            List<String[]> silent = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT source, subscription, resource_types FROM fhir_subscription "
                    + "WHERE silent_since IS NULL AND last_notification_at < ?")) {
                select.setObject(1, PortalDatabase.utc(now.minus(limit)));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        silent.add(new String[] {rows.getString(1), rows.getString(2), rows.getString(3)});
                    }
                }
            }
            int found = 0;
            for (String[] subscription : silent) {
                try (PreparedStatement mark = connection.prepareStatement("UPDATE fhir_subscription SET silent_since = ? "
                        + "WHERE source = ? AND subscription = ? AND silent_since IS NULL AND last_notification_at < ?")) {
                    mark.setObject(1, PortalDatabase.utc(now));
                    mark.setString(2, subscription[0]);
                    mark.setString(3, subscription[1]);
                    mark.setObject(4, PortalDatabase.utc(now.minus(limit)));
                    if (mark.executeUpdate() == 1) {
                        found++;
                        requestCatchUp(connection, subscription[0], subscription[1], "no notification for " + limit.toSeconds()
                                + " s (heartbeats stopped)", new LinkedHashSet<>(split(subscription[2])), now);
                    }
                }
            }
            return found;
        });
    }

    private void requestCatchUp(Connection connection, String source, String subscription, String reason, Set<String> types, Instant now)
            throws SQLException {
        String typeList = String.join(",", types.isEmpty() ? defaultTypes : types);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO fhir_subscription_catch_up (source, subscription, reason, "
                + "resource_types, requested_at) VALUES (?, ?, ?, ?, ?)")) {
            insert.setString(1, source);
            insert.setString(2, subscription);
            insert.setString(3, reason);
            insert.setString(4, typeList);
            insert.setObject(5, PortalDatabase.utc(now));
            insert.executeUpdate();
        }
        LOG.warn("FHIR Subscription {} of {}: {}; catch-up poll of {} requested", subscription, source, reason, typeList);
    }

    /**
     * Claims every catch-up not yet run (or begun longer than {@code stale} ago by an instance that
     * stopped), so that one poll per resource type serves them all.
     */
    public Optional<DueCatchUp> claimDue(PortalDatabase database, Duration stale, Instant now) {
        return database.inTransaction(connection -> {
            List<Long> ids = new ArrayList<>();
            Set<String> types = new LinkedHashSet<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT id, resource_types FROM fhir_subscription_catch_up "
                    + "WHERE finished_at IS NULL AND (started_at IS NULL OR started_at < ?) ORDER BY id FOR UPDATE")) {
                select.setObject(1, PortalDatabase.utc(now.minus(stale)));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getLong(1));
                        types.addAll(split(rows.getString(2)));
                    }
                }
            }
            for (Long id : ids) {
                try (PreparedStatement claim = connection.prepareStatement("UPDATE fhir_subscription_catch_up SET started_at = ? WHERE id = ?")) {
                    claim.setObject(1, PortalDatabase.utc(now));
                    claim.setLong(2, id);
                    claim.executeUpdate();
                }
            }
            return ids.isEmpty() ? Optional.<DueCatchUp>empty() : Optional.of(new DueCatchUp(ids, types));
        });
    }

    /** Ends claimed catch-ups: finished with the polls' outcome, or (finished false) handed back to run again later. */
    public void end(PortalDatabase database, DueCatchUp catchUp, boolean finished, String outcome, Instant now) {
        database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE fhir_subscription_catch_up SET started_at = "
                    + "CASE WHEN ? THEN started_at ELSE NULL END, finished_at = ?, outcome = ? WHERE id = ?")) {
                for (Long id : catchUp.ids()) {
                    update.setBoolean(1, finished);
                    update.setObject(2, finished ? PortalDatabase.utc(now) : null);
                    update.setString(3, outcome.length() > 1000 ? outcome.substring(0, 1000) : outcome);
                    update.setLong(4, id);
                    update.addBatch();
                }
                update.executeBatch();
            }
            return null;
        });
    }

    private static List<String> split(String list) {
        if (list == null || list.isBlank()) {
            return List.of();
        }
        return List.of(list.split(","));
    }
}
