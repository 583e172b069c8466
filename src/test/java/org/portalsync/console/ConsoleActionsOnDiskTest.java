package org.portalsync.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.portal.PortalDatabase;

/**
 * What the console tells an operator is done, a discard or a replay claimed, is in the database file when it says so:
 * on the embedded H2 a commit reaches the file only at H2's next write (every half second), and an engine killed before
 * that would lose it. The file is copied the moment the call returns, as a killed engine would leave it, and read.
 */
class ConsoleActionsOnDiskTest {

    @TempDir
    Path dir;

    @Test
    void aDiscardIsInTheFileWhenTheConsoleSaysSo() throws Exception {
        try (Fixture fixture = new Fixture(dir)) {
            long letter = fixture.openLetter("Patient/discard-1");

            assertThat(fixture.letters.discard(List.of(letter), "operator-1", "a test record", Instant.now())).containsExactly(letter);

            assertThat(fixture.asAKilledEngineLeavesIt("SELECT status FROM dead_letter WHERE id = " + letter)).isEqualTo("DISCARDED");
        }
    }

    @Test
    void aReplayClaimIsInTheFileWhenTheConsoleSaysSo() throws Exception {
        try (Fixture fixture = new Fixture(dir)) {
            long letter = fixture.openLetter("Patient/replay-1");

            assertThat(fixture.letters.claim(List.of(letter), "operator-1", Instant.now(), 30)).hasSize(1);

            assertThat(fixture.asAKilledEngineLeavesIt("SELECT last_replayed_by FROM dead_letter WHERE id = " + letter)).isEqualTo("operator-1");
        }
    }

    private static final class Fixture implements AutoCloseable {
        private final Path dir;
        private final Path file;
        private final PortalDatabase database;
        final ConsoleDeadLetters letters;

        Fixture(Path dir) {
            this.dir = dir;
            this.file = dir.resolve("portal");
            this.database = PortalDatabase.open("jdbc:h2:file:" + file, "sa", "", 2);
            this.letters = new ConsoleDeadLetters(database, "ehr", false);
        }

        long openLetter(String record) {
            return database.inDurableTransaction(connection -> {
                try (Statement insert = connection.createStatement()) {
                    insert.executeUpdate("INSERT INTO dead_letter (failed_at, route_id, source, record_ref, payload, cause_type, cause_message,"
                            + " status) VALUES (CURRENT_TIMESTAMP, 'fhir-patient-sync', 'ehr', '" + record + "', '{}', 'java.io.IOException',"
                            + " 'EHR down', 'NEW')", Statement.RETURN_GENERATED_KEYS);
                    try (ResultSet keys = insert.getGeneratedKeys()) {
                        keys.next();
                        return keys.getLong(1);
                    }
                }
            });
        }

        /** Copies the database file as it is now, and reads one value from the copy. */
        String asAKilledEngineLeavesIt(String query) throws Exception {
            Path copy = dir.resolve("copy-" + System.nanoTime());
            Files.copy(file.resolveSibling("portal.mv.db"), copy.resolveSibling(copy.getFileName() + ".mv.db"));
            try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + copy, "sa", "");
                    Statement select = connection.createStatement(); ResultSet row = select.executeQuery(query)) {
                row.next();
                return row.getString(1);
            }
        }

        @Override
        public void close() {
            database.close();
        }
    }
}
