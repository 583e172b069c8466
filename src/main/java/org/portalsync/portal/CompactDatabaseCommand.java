package org.portalsync.portal;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.portalsync.alert.SafeFailureText;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.bootstrap.CommandSettings;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;

/**
 * Gives back the disk space an embedded H2 database file holds beyond its data, with the engine stopped:
 *
 * <pre>
 * java -cp portal-sync.jar org.portalsync.portal.CompactDatabaseCommand
 * </pre>
 *
 * H2 writes every change to new space in its file and reuses the old only some time later, so a burst of writes
 * leaves the file several times the size of its data, and H2 shrinks it only when asked (README "Where the data
 * goes"). The command opens the file of the engine's home directly, never through the running engine's server
 * ({@code AUTO_SERVER}), so that it is refused while the engine holds the file; it then closes the database with
 * {@code SHUTDOWN COMPACT}, prints the sizes before and after, and leaves an audit row naming the operating-system
 * user.
 */
public final class CompactDatabaseCommand {

    /** H2's "Database may be already in use": another process (the engine) holds the file. */
    private static final int H2_DATABASE_IN_USE = 90020;
    /** URL options that would reach or reopen a database through another process, or create a missing one. */
    private static final Set<String> DROPPED_OPTIONS = Set.of("AUTO_SERVER", "AUTO_SERVER_PORT", "AUTO_RECONNECT", "IFEXISTS");
    private static final long MIB = 1024 * 1024;

    private CompactDatabaseCommand() {
    }

    public static void main(String[] args) {
        int status = run(Map.of(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * @param overrides settings that win over the file and the environment (tests)
     * @return the exit status: 0 compacted, 1 refused or failed
     */
    public static int run(Map<String, String> overrides, PrintStream out, PrintStream err) {
        try {
            PortalSyncSettings settings = CommandSettings.load(overrides);
            String url = alone(settings.dbUrl());
            Path file = databaseFile(settings.dbUrl());
            if (!Files.isRegularFile(file)) {
                err.println("portal-sync compact: no database file at " + file + "; nothing to compact.");
                return 1;
            }
            long before = Files.size(file);
            long started = System.nanoTime();
            try (Connection connection = DriverManager.getConnection(url, settings.dbUser(),
                    settings.dbPassword() == null ? "" : settings.dbPassword());
                    Statement shutdown = connection.createStatement()) {
                shutdown.execute("SHUTDOWN COMPACT");
            } catch (SQLException e) {
                if (e.getErrorCode() == H2_DATABASE_IN_USE) {
                    err.println("portal-sync compact: " + file + " is in use (is the engine running?). Stop the engine first; "
                            + "nothing was changed.");
                    return 1;
                }
                throw e;
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            long after = Files.size(file);
            String sizes = before / MIB + " MiB -> " + after / MIB + " MiB in " + millis + " ms";
            out.println("Compacted " + file + ": " + sizes + ".");
            try (PortalDatabase database = PortalDatabase.open(url, settings.dbUser(), settings.dbPassword(), 2,
                    settings.dbConnectionTimeout())) {
                new AuditTrail(database).record(new AuditEvent(Instant.now(), "os:" + System.getProperty("user.name", "unknown"),
                        "Database.compact", file.getFileName().toString(), null, "success: " + sizes));
            } catch (RuntimeException e) {
                err.println("portal-sync compact: compacted, but its audit row was not written: " + SafeFailureText.of(e));
                return 1;
            }
            return 0;
        } catch (ConfigurationException | IllegalArgumentException e) {
            err.println("portal-sync compact: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            // the database's own words may quote values
            err.println("portal-sync compact: " + SafeFailureText.of(e));
            return 1;
        }
    }

    /**
     * The file an embedded H2 URL names ({@code jdbc:h2:file:/srv/portal-sync/data/portal} ->
     * {@code .../portal.mv.db}).
     *
     * @throws IllegalArgumentException for any other database: PostgreSQL gives space back with its own VACUUM
     */
    static Path databaseFile(String url) {
        String path = url.startsWith("jdbc:h2:file:") ? url.substring("jdbc:h2:file:".length())
                : url.startsWith("jdbc:h2:") ? url.substring("jdbc:h2:".length()) : null;
        if (path == null || path.startsWith("mem:") || path.startsWith("tcp:") || path.startsWith("ssl:") || path.startsWith("zip:")) {
            throw new IllegalArgumentException("the portal database is not an embedded H2 file (" + url.split(";", 2)[0]
                    + "); only that one needs compacting (PostgreSQL: VACUUM).");
        }
        int options = path.indexOf(';');
        path = options < 0 ? path : path.substring(0, options);
        if (path.startsWith("~")) {
            path = System.getProperty("user.home") + path.substring(1);
        }
        return Path.of(path + ".mv.db").toAbsolutePath().normalize();
    }

    /** The URL without the options that would go through the engine's server or create an empty database. */
    static String alone(String url) {
        String[] parts = url.split(";");
        List<String> kept = new ArrayList<>(List.of(parts[0]));
        for (int i = 1; i < parts.length; i++) {
            String key = parts[i].split("=", 2)[0].strip().toUpperCase(Locale.ROOT);
            if (!parts[i].isBlank() && !DROPPED_OPTIONS.contains(key)) {
                kept.add(parts[i]);
            }
        }
        kept.add("IFEXISTS=TRUE");
        return String.join(";", kept);
    }
}
