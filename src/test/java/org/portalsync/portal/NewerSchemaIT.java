package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.config.ConfigurationException;

/**
 * A build does not start on a schema a newer build migrated (a downgrade, or two versions sharing one database during
 * an upgrade): it says which versions and changes nothing. Flyway alone would start it.
 */
class NewerSchemaIT {

    static List<String> kinds() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void anOlderBuildRefusesToStartOnANewerSchemaAndChangesNothing(String kind) throws Exception {
        String url = TestDatabases.jdbcUrl(kind);
        String user = TestDatabases.user(kind);
        PortalDatabase.open(url, user, "", 2).close();
        int newest = newestShippedMigration();
        try (Connection connection = DriverManager.getConnection(url, user, ""); Statement statement = connection.createStatement()) {
            // as a newer build's Flyway records a migration this build does not have
            // Flyway's names are quoted lower case on H2 too
            statement.executeUpdate("INSERT INTO \"flyway_schema_history\" (\"installed_rank\", \"version\", \"description\", \"type\","
                    + " \"script\", \"checksum\", \"installed_by\", \"installed_on\", \"execution_time\", \"success\") VALUES (" + (newest + 1) + ", '" + (newest + 1)
                    + "', 'from a newer build', 'SQL', 'V" + (newest + 1) + "__from_a_newer_build.sql', 0, 'portal-sync', CURRENT_TIMESTAMP, 1, TRUE)");
        }
        List<String> before = history(url, user);

        ConfigurationException refused = catchThrowableOfType(ConfigurationException.class, () -> PortalDatabase.open(url, user, "", 2));

        assertThat(refused).as("refused").isNotNull();
        assertThat(refused.getMessage()).contains("schema is at version " + (newest + 1) + ", written by a newer portal-sync")
                .contains("this one knows versions up to " + newest).contains("nothing was changed");
        assertThat(history(url, user)).isEqualTo(before);
    }

    /** The highest V<n>__ of the migrations this build ships, read from its resources rather than from Flyway. */
    private static int newestShippedMigration() throws URISyntaxException, java.io.IOException {
        Path folder = Path.of(NewerSchemaIT.class.getClassLoader().getResource("db/migration").toURI());
        Pattern version = Pattern.compile("V(\\d+)__.*\\.sql");
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(file -> version.matcher(file.getFileName().toString())).filter(Matcher::matches)
                    .mapToInt(matcher -> Integer.parseInt(matcher.group(1))).max().orElseThrow();
        }
    }

    private static List<String> history(String url, String user) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url, user, ""); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(
                        "SELECT \"installed_rank\", \"version\", \"success\" FROM \"flyway_schema_history\" ORDER BY \"installed_rank\"")) {
            List<String> history = new java.util.ArrayList<>();
            while (rows.next()) {
                history.add(rows.getInt(1) + " " + rows.getString(2) + " " + rows.getBoolean(3));
            }
            return history;
        }
    }
}
