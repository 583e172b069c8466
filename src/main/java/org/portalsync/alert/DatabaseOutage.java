package org.portalsync.alert;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The PORTAL_DB_DOWN alert, which cannot be written to the database that is down: held in memory by
 * this instance and sent straight through the channels, under the same storm control as the rows of
 * {@link AlertLog} (one alert while the outage lasts, counting its failures, then one "recovered"
 * when the database answers again). Lost with the process: the dead letters themselves are safe in
 * the journal, and a restarted engine whose database is still down raises it again.
 */
public final class DatabaseOutage {

    public static final String SOURCE = "portal-db";

    private final List<String> channels;
    private String message;
    private int occurrences;
    private Instant firstAt;
    private Instant lastAt;
    private Instant recoveredAt;
    private final Set<String> alertPending = new LinkedHashSet<>();
    private final Set<String> recoveryPending = new LinkedHashSet<>();

    public DatabaseOutage(List<String> channels) {
        this.channels = List.copyOf(channels);
    }

    /** A write the database refused for want of a connection. */
    public synchronized void failed(Instant at, String text) {
        if (firstAt == null || recoveredAt != null) {
            message = text;
            occurrences = 0;
            firstAt = at;
            recoveredAt = null;
            alertPending.clear();
            alertPending.addAll(channels);
            recoveryPending.clear();
        }
        occurrences++;
        lastAt = at.isAfter(lastAt == null ? at : lastAt) ? at : lastAt;
    }

    /** Whether an outage is going on (not yet seen to end). */
    public synchronized boolean ongoing() {
        return firstAt != null && recoveredAt == null;
    }

    /** The database answered again: the outage ended. */
    public synchronized void reachable(Instant at) {
        if (ongoing()) {
            recoveredAt = at;
            recoveryPending.addAll(channels);
        }
    }

    /** What some channel has not taken yet: the alert before its recovery. */
    public synchronized List<AlertNotice> undelivered() {
        List<AlertNotice> notices = new ArrayList<>();
        if (firstAt == null) {
            return notices;
        }
        AlertNotice alert = new AlertNotice(null, AlertNotice.Notice.ALERT, null, AlertKind.PORTAL_DB_DOWN, SOURCE, message, occurrences,
                firstAt, lastAt, recoveredAt);
        alertPending.forEach(channel -> notices.add(alert.toChannel(channel)));
        if (alertPending.isEmpty()) {
            AlertNotice recovery = new AlertNotice(null, AlertNotice.Notice.RECOVERED, null, AlertKind.PORTAL_DB_DOWN, SOURCE, message,
                    occurrences, firstAt, lastAt, recoveredAt);
            recoveryPending.forEach(channel -> notices.add(recovery.toChannel(channel)));
        }
        return notices;
    }

    public synchronized void delivered(AlertNotice notice) {
        (notice.notice() == AlertNotice.Notice.ALERT ? alertPending : recoveryPending).remove(notice.channel());
    }
}
