package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.testing.FreePorts;

/**
 * The real PostgreSQL portal database stops in the middle of a poll and comes back: every record
 * of the page being written ends in the portal or in the dead-letter table, none in neither. What
 * could not be written waits in the local journal, and the alert for it leaves by a way that does
 * not need the database.
 */
class PortalDatabaseDownIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static EmbeddedPostgres startPostgres(Path dataDirectory, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(dataDirectory).setCleanDataDirectory(false).setPort(port).start();
    }

    /**
     * @param pageTransaction true: the database goes down in the middle of the page's one transaction, which
     *                        fails whole and is written again record by record; false: between records
     */
    @ParameterizedTest
    @CsvSource({"false, 7501", "true, 7502"})
    void recordsWrittenWhileTheDatabaseIsDownEndInThePortalOrTheDeadLetterTable(boolean pageTransaction, long seed) throws Exception {
        int patients = 20;
        List<String> ids = EHR.seedPatients(patients, seed);
        Path work = Path.of("target", "database-down-" + System.nanoTime()).toAbsolutePath();
        Path journal = work.resolve("journal");
        Path alerts = work.resolve("alerts");
        int port = FreePorts.next();
        EmbeddedPostgres postgres = startPostgres(work.resolve("pgdata"), port);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.DB_URL, postgres.getJdbcUrl("postgres", "postgres"));
        settings.put(PortalSyncSettings.DB_USER, "postgres");
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, String.valueOf(patients));
        settings.put(PortalSyncSettings.SYNC_PAGE_TRANSACTION, Boolean.toString(pageTransaction));
        settings.put(PortalSyncSettings.RETRY_MAXIMUM, "1");
        settings.put(PortalSyncSettings.DB_CONNECTION_TIMEOUT, "500");
        settings.put(PortalSyncSettings.JOURNAL_DIR, journal.toString());
        settings.put(PortalSyncSettings.JOURNAL_IMPORT_INTERVAL, "300");
        settings.put(PortalSyncSettings.ALERT_ENDPOINT, "file:" + alerts + "?fileName=${exchangeId}.txt");
        try (TestEngine engine = TestEngine.start(settings)) {
            // slow writes, so that the database can be stopped while the page is half written
            try (Connection connection = engine.database().getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("CREATE FUNCTION slow_insert() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.1); RETURN NEW; END $$"
                        + " LANGUAGE plpgsql");
                statement.execute("CREATE TRIGGER slow_insert BEFORE INSERT ON portal_patient FOR EACH ROW EXECUTE FUNCTION slow_insert()");
            }
            CompletableFuture<Object> poll = CompletableFuture.supplyAsync(() -> {
                try {
                    return engine.poll();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            if (pageTransaction) {
                // nothing of the page is visible before its commit: wait for its inserts to run, then some more
                while (engine.count("SELECT COUNT(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'INSERT INTO portal_patient%'") == 0) {
                    assertThat(System.nanoTime()).as("the page's first insert within 60 s").isLessThan(deadline);
                    Thread.sleep(20);
                }
                Thread.sleep(1000);
                assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("the page is not committed yet").isZero();
            } else {
                while (engine.count("SELECT COUNT(*) FROM portal_patient") < 8) {
                    assertThat(System.nanoTime()).as("the first records within 60 s").isLessThan(deadline);
                    Thread.sleep(50);
                }
            }
            postgres.close();
            String summary = (String) poll.get(5, TimeUnit.MINUTES);

            assertThat(summary).contains("dead-lettered");
            assertThat(Files.list(journal).count()).as("the journal holds what the database could not take").isPositive();
            try (Stream<Path> files = Files.list(alerts)) {
                assertThat(files.map(PortalDatabaseDownIT::read).toList())
                        .anySatisfy(alert -> assertThat(alert).startsWith("ALERT PORTAL_DB_DOWN"));
            }

            postgres = startPostgres(work.resolve("pgdata"), port);
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (Files.list(journal).findAny().isPresent()) {
                assertThat(System.nanoTime()).as("journal imported within 60 s").isLessThan(deadline);
                Thread.sleep(100);
            }

            Set<String> inPortal = new HashSet<>();
            engine.rows("SELECT source_id FROM portal_patient").forEach(row -> inPortal.add((String) row.get("source_id")));
            Set<String> deadLettered = new HashSet<>();
            engine.rows("SELECT record_ref FROM dead_letter WHERE record_ref IS NOT NULL")
                    .forEach(row -> deadLettered.add(((String) row.get("record_ref")).substring("Patient/".length())));
            assertThat(deadLettered).as("the failures while the database was down were kept").isNotEmpty();
            assertThat(ids).as("every record of the page in the portal or the dead-letter table")
                    .allSatisfy(id -> assertThat(inPortal.contains(id) || deadLettered.contains(id)).as(id).isTrue());
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter WHERE journal_entry_id IS NOT NULL")).isPositive();

            String next = engine.poll();
            SandboxPatientGenerator generator = new SandboxPatientGenerator(seed, SandboxPatientGenerator.DefectRates.SANDBOX);
            long nameless = java.util.stream.Stream.generate(generator::next).limit(patients)
                    .filter(p -> SandboxPatientGenerator.defectOf(p) == SandboxPatientGenerator.Defect.NO_NAME).count();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as(next).isEqualTo(patients - nameless);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter WHERE record_ref IS NOT NULL AND status <> 'RESOLVED'"))
                    .as("each dead letter closed by its record's sync").isZero();
        } finally {
            postgres.close();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
