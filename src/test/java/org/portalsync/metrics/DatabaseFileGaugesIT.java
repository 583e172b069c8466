package org.portalsync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.alert.SettableClock;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;

/**
 * On an embedded H2 file the scrape shows the file's size, as the file system has it, and how much of it holds live
 * data, falling as rewrites leave superseded space behind; any other database has no such series.
 */
class DatabaseFileGaugesIT {

    private static final int ROWS = 1_000;

    /** A series' value as Prometheus scrapes it (the engine serves this registry's text). */
    private static double scraped(PrometheusMeterRegistry registry, String series) {
        return registry.scrape().lines().filter(line -> line.startsWith(series + " ")).map(line -> Double.parseDouble(line.split(" ")[1]))
                .findFirst().orElseThrow(() -> new AssertionError(series + " is not in the scrape:\n" + registry.scrape()));
    }

    private static void write(PortalDatabase database, String sql) {
        database.inAutoCommit(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.executeUpdate(sql);
                statement.execute("CHECKPOINT");
            }
            return null;
        });
    }

    @Test
    void anH2FilesSizeAndLiveShareAreScrapedAsTheFileHasThem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("portal.mv.db");
        SettableClock clock = new SettableClock(Instant.parse("2026-11-27T10:00:00Z"));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PortalDatabase database = PortalDatabase.open("jdbc:h2:file:" + dir.resolve("portal"), "sa", "", 2)) {
            new PortalGauges(database, clock).register(registry);
            write(database, "INSERT INTO audit_event (occurred_at, actor, action, resource, peer, result) SELECT CURRENT_TIMESTAMP, 'test', "
                    + "'Fill', 'Patient/' || X || ' ' || REPEAT('x', 1000), NULL, 'success' FROM SYSTEM_RANGE(1, " + ROWS + ")");

            double bytesFilled = scraped(registry, "portal_sync_database_file_bytes");
            double liveRatioFilled = scraped(registry, "portal_sync_database_file_live_ratio");
            assertThat(bytesFilled).isEqualTo(Files.size(file));
            assertThat(liveRatioFilled).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);

            for (int round = 0; round < 10; round++) {
                write(database, "UPDATE audit_event SET result = 'success " + round + "' WHERE action = 'Fill'");
            }
            clock.advance(Duration.ofSeconds(3));

            assertThat(scraped(registry, "portal_sync_database_file_bytes")).isEqualTo(Files.size(file)).isGreaterThan(2 * bytesFilled);
            assertThat(scraped(registry, "portal_sync_database_file_live_ratio")).isLessThan(liveRatioFilled / 2);
        }
    }

    @Test
    void anyOtherDatabaseHasNoFileSeries() {
        for (String kind : TestDatabases.kinds()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (PortalDatabase database = TestDatabases.fresh(kind)) {
                new PortalGauges(database, new SettableClock(Instant.parse("2026-11-27T10:00:00Z"))).register(registry);

                assertThat(registry.find(PortalGauges.DATABASE_FILE_BYTES).gauge()).as(kind).isNull();
                assertThat(registry.find(PortalGauges.QUEUE_DEPTH).gauges()).as(kind).hasSize(2);
            }
        }
    }
}
