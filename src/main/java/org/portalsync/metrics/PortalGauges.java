package org.portalsync.metrics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What waits in the portal database, read when Prometheus scrapes: dead letters by status, and the
 * inboxes' pending rows; on an embedded H2 file, the file's size and how much of it holds live data
 * (README "Where the data goes": when to compact it). One read serves all gauges of a scrape (it is
 * kept for {@link #MAX_AGE}); a database that cannot answer shows as NaN, which the health check explains.
 */
public final class PortalGauges {

    public static final String DEAD_LETTERS = "portal.sync.dead.letters";
    public static final String QUEUE_DEPTH = "portal.sync.queue.depth";
    public static final String DATABASE_FILE_BYTES = "portal.sync.database.file.bytes";
    public static final String DATABASE_FILE_LIVE_RATIO = "portal.sync.database.file.live.ratio";
    /** Statuses a dead letter has (V1, V2 and the console's replay and discard): each gets a series, 0 included. */
    public static final List<String> DEAD_LETTER_STATUSES = List.of("NEW", "NEEDS_OPERATOR", "RESOLVED", "REPLAYED", "DISCARDED");
    public static final String WEBHOOK_INBOX = "webhook_inbox";
    public static final String LEGACY_INBOX = "legacy_inbox";

    private static final Logger LOG = LoggerFactory.getLogger(PortalGauges.class);
    private static final Duration MAX_AGE = Duration.ofSeconds(2);

    private final PortalDatabase database;
    private final Clock clock;
    private Instant readAt;
    private Map<String, Double> values = Map.of();

    public PortalGauges(PortalDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    public void register(MeterRegistry registry) {
        for (String status : DEAD_LETTER_STATUSES) {
            Gauge.builder(DEAD_LETTERS, this, gauges -> gauges.value("dead_letter:" + status))
                    .description("Dead letters in the portal database, by status").tag("status", status)
                    // nothing else holds this object: Micrometer's default weak reference would read NaN after a GC
                    .strongReference(true).register(registry);
        }
        for (String queue : List.of(WEBHOOK_INBOX, LEGACY_INBOX)) {
            Gauge.builder(QUEUE_DEPTH, this, gauges -> gauges.value(queue))
                    .description("Rows waiting to be applied: webhook_inbox (resources notified, not yet synced), "
                            + "legacy_inbox (HL7 v2 messages acknowledged, not yet applied)")
                    .tag("queue", queue).strongReference(true).register(registry);
        }
        if (database.h2File()) {
            Gauge.builder(DATABASE_FILE_BYTES, this, gauges -> gauges.value(DATABASE_FILE_BYTES))
                    .description("Size of the embedded H2 database file").strongReference(true).register(registry);
            Gauge.builder(DATABASE_FILE_LIVE_RATIO, this, gauges -> gauges.value(DATABASE_FILE_LIVE_RATIO))
                    .description("Share of the H2 file that holds live data, as H2 estimates it; the rest is space H2 reuses, "
                            + "or that CompactDatabaseCommand gives back")
                    .strongReference(true).register(registry);
        }
    }

    private synchronized double value(String key) {
        Instant now = clock.instant();
        if (readAt == null || Duration.between(readAt, now).compareTo(MAX_AGE) > 0) {
            readAt = now;
            try {
                values = read();
            } catch (RuntimeException unavailable) {
                // the portal-db health check says why; a scrape every few seconds must not fill the log
                LOG.debug("Metrics: the portal database did not answer: {}", SafeFailureText.of(unavailable));
                values = Map.of();
            }
        }
        return values.getOrDefault(key, Double.NaN);
    }

    private Map<String, Double> read() {
        return database.inTransaction(connection -> {
            Map<String, Double> read = new HashMap<>();
            DEAD_LETTER_STATUSES.forEach(status -> read.put("dead_letter:" + status, 0.0));
            try (PreparedStatement select = connection.prepareStatement("SELECT status, COUNT(*) FROM dead_letter GROUP BY status");
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    read.put("dead_letter:" + rows.getString(1), (double) rows.getLong(2));
                }
            }
            read.put(WEBHOOK_INBOX, count(connection, "SELECT COUNT(*) FROM webhook_inbox_item WHERE done_at IS NULL"));
            read.put(LEGACY_INBOX, count(connection, "SELECT COUNT(*) FROM legacy_inbox WHERE status <> 'DONE'"));
            if (database.h2File()) {
                readFile(connection, read);
            }
            return read;
        });
    }

    /**
     * H2's own figures of its file: its size, and the share of it that holds live data: the share of the file its
     * chunks fill (the rest is free space H2 reuses) times the share of the chunks still live, both in percent.
     */
    private static void readFile(Connection connection, Map<String, Double> read) throws SQLException {
        Map<String, Double> info = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT SETTING_NAME, SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS "
                + "WHERE SETTING_NAME IN ('info.FILE_SIZE', 'info.FILL_RATE', 'info.CHUNKS_FILL_RATE')"); ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                info.put(rows.getString(1), Double.parseDouble(rows.getString(2)));
            }
        }
        read.put(DATABASE_FILE_BYTES, info.getOrDefault("info.FILE_SIZE", Double.NaN));
        read.put(DATABASE_FILE_LIVE_RATIO, info.getOrDefault("info.FILL_RATE", Double.NaN) * info.getOrDefault("info.CHUNKS_FILL_RATE", Double.NaN)
                / 10_000);
    }

    private static double count(Connection connection, String sql) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql); ResultSet row = select.executeQuery()) {
            row.next();
            return row.getLong(1);
        }
    }
}
