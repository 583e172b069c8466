package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.h2.Driver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;

/**
 * The operator's compaction of the embedded H2 file: the file shrinks to its data and keeps every row, and while
 * another process (the engine) holds the file the command refuses and leaves that process's database open.
 */
class CompactDatabaseCommandIT {

    private static final int ROWS = 2_000;
    private static final int REWRITES = 25;

    /**
     * The engine's home: its settings file with the default H2 URL (through an AUTO_SERVER, as the engine opens it).
     * H2 compacts at every close for up to MAX_COMPACT_TIME (200 ms): enough for this small file, far from enough for
     * gigabytes (a 3.1 GB file of 321 MB of data takes about 18 s). 0 here, so that only a full compaction can pass.
     */
    private static Map<String, String> home(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("config"));
        Files.writeString(dir.resolve("config/application.properties"), """
                portal-sync.source.fhir.base-url = http://127.0.0.1:9/fhir
                portal-sync.mapping.mrn-system = urn:oid:2.16.840.1.113883.3.4424.1
                portal-sync.db.url = jdbc:h2:file:./data/portal;AUTO_SERVER=TRUE;MAX_COMPACT_TIME=0
                """);
        return Map.of(PortalSyncSettings.HOME, dir.toString());
    }

    /**
     * Writes ROWS audit rows and rewrites them REWRITES times, a checkpoint after each: H2 puts every rewrite in new
     * space, as under a burst, and closes without compacting (the engine's close compacts for 200 ms at most).
     *
     * @return the database file
     */
    private static Path fillWithSupersededPages(Path dir) throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("data/portal") + ";MAX_COMPACT_TIME=0";
        try (PortalDatabase database = PortalDatabase.open(url, "sa", "", 2)) {
            database.inTransaction(connection -> {
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO audit_event (occurred_at, actor, action, resource, peer, result) VALUES (CURRENT_TIMESTAMP, 'test', 'Fill', ?, NULL, 'success')")) {
                    for (int i = 0; i < ROWS; i++) {
                        insert.setString(1, "Patient/" + i + " " + "x".repeat(1_000));
                        insert.addBatch();
                    }
                    insert.executeBatch();
                }
                return null;
            });
            for (int round = 0; round < REWRITES; round++) {
                int value = round;
                database.inAutoCommit(connection -> {
                    try (Statement statement = connection.createStatement()) {
                        statement.executeUpdate("UPDATE audit_event SET result = 'success " + value + "' WHERE action = 'Fill'");
                        statement.execute("CHECKPOINT");
                    }
                    return null;
                });
            }
        }
        return dir.resolve("data/portal.mv.db");
    }

    /** The first row of a query on the home's database, its columns joined by spaces. */
    private static String firstRow(Path dir, String sql) throws Exception {
        try (PortalDatabase database = PortalDatabase.open("jdbc:h2:file:" + dir.resolve("data/portal"), "sa", "", 2)) {
            return database.inAutoCommit(connection -> {
                try (Statement statement = connection.createStatement(); var rows = statement.executeQuery(sql)) {
                    rows.next();
                    StringBuilder row = new StringBuilder(rows.getString(1));
                    for (int column = 2; column <= rows.getMetaData().getColumnCount(); column++) {
                        row.append(' ').append(rows.getString(column));
                    }
                    return row.toString();
                }
            });
        }
    }

    private record Outcome(int status, String out, String err) {
    }

    private static Outcome compact(Map<String, String> settings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CompactDatabaseCommand.run(settings, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theFileShrinksToItsDataAndKeepsEveryRow(@TempDir Path dir) throws Exception {
        Map<String, String> settings = home(dir);
        Path file = fillWithSupersededPages(dir);
        long before = Files.size(file);

        Outcome compacted = compact(settings);

        assertThat(compacted.status()).as(compacted.err()).isZero();
        long after = Files.size(file);
        assertThat(after).as("bytes after, of %d before", before).isLessThan(before / 4);
        String sizes = before / (1024 * 1024) + " MiB -> " + after / (1024 * 1024) + " MiB in ";
        assertThat(compacted.out()).startsWith("Compacted " + file.toAbsolutePath().normalize() + ": " + sizes);
        assertThat(firstRow(dir, "SELECT COUNT(*) FROM audit_event WHERE action = 'Fill' AND result = 'success " + (REWRITES - 1) + "'"))
                .isEqualTo(String.valueOf(ROWS));
        assertThat(firstRow(dir, "SELECT actor, resource, result FROM audit_event WHERE action = 'Database.compact'"))
                .startsWith("os:" + System.getProperty("user.name") + " portal.mv.db success: " + sizes);
    }

    @Test
    void whileAnotherProcessHoldsTheFileTheCommandRefusesAndThatProcessKeepsItsDatabase(@TempDir Path dir) throws Exception {
        Map<String, String> settings = home(dir);
        Path file = fillWithSupersededPages(dir);
        long before = Files.size(file);
        // the engine's stand-in: H2's own shell in a JVM of its own, holding the file as the engine does (AUTO_SERVER)
        String h2Jar = Path.of(Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", h2Jar,
                "org.h2.tools.Shell", "-url", "jdbc:h2:file:" + dir.resolve("data/portal") + ";AUTO_SERVER=TRUE", "-user", "sa",
                "-password", "").redirectErrorStream(true).start();
        try (Writer toShell = holder.outputWriter(StandardCharsets.UTF_8);
                BufferedReader fromShell = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            toShell.write("SELECT 'opened' AS answer;\n");
            toShell.flush();
            awaitLine(fromShell, "opened");

            Outcome refused = compact(settings);

            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err()).contains("is in use (is the engine running?)").contains("nothing was changed");
            // not compacted: the holder may have written a little on its own since
            assertThat(Files.size(file)).isGreaterThan(before / 2);
            toShell.write("SELECT 'rows ' || COUNT(*) AS answer FROM audit_event WHERE action = 'Fill';\n");
            toShell.flush();
            assertThat(awaitLine(fromShell, "rows ")).contains("rows " + ROWS);
            toShell.write("quit\n");
            toShell.flush();
        } finally {
            if (!holder.waitFor(20, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        }
    }

    @Test
    void anyOtherDatabaseIsRefusedAndTheEnginesOwnOptionsAreKeptButItsServer(@TempDir Path dir) throws Exception {
        Map<String, String> settings = new HashMap<>(home(dir));
        settings.put(PortalSyncSettings.DB_URL, "jdbc:postgresql://127.0.0.1:9/portal");

        Outcome refused = compact(settings);

        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err()).contains("not an embedded H2 file (jdbc:postgresql://127.0.0.1:9/portal)").contains("VACUUM");
        assertThat(CompactDatabaseCommand.alone("jdbc:h2:file:/srv/data/portal;AUTO_SERVER=TRUE;CIPHER=AES;auto_server_port=9092"))
                .isEqualTo("jdbc:h2:file:/srv/data/portal;CIPHER=AES;IFEXISTS=TRUE");
        assertThat(CompactDatabaseCommand.databaseFile("jdbc:h2:/srv/data/portal;AUTO_SERVER=TRUE")).isEqualTo(Path.of("/srv/data/portal.mv.db"));
        for (String url : new String[] {"jdbc:h2:mem:portal", "jdbc:h2:tcp://db/portal"}) {
            assertThat(catchThrowable(() -> CompactDatabaseCommand.databaseFile(url)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The first line of the shell's output that contains the text (its answer to a query; the header reads ANSWER). */
    private static String awaitLine(BufferedReader output, String text) throws Exception {
        StringBuilder seen = new StringBuilder();
        for (String line = output.readLine(); line != null; line = output.readLine()) {
            if (line.contains(text)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the H2 shell ended without printing '" + text + "':\n" + seen);
    }
}
