package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a refused write looks like once it leaves the database layer, on real H2 and PostgreSQL:
 * the SQLSTATE and the schema names, never the value, in the message and anywhere in the cause
 * chain; the data errors (SQLSTATE 22, 23) are told apart from the rest, because they are not
 * retried.
 */
class PortalDatabaseErrorsIT {

    private static final String SECRET = "Zanzibarova";
    private static final String INSERT_PATIENT = "INSERT INTO portal_patient (source, source_id, source_zone, legal_family, archived,"
            + " created_at, updated_at, row_version) VALUES (?, ?, 'UTC', ?, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)";

    static List<String> databases() {
        return TestDatabases.kinds();
    }

    private static PortalDatabaseException failure(PortalDatabase database, String sql, String... values) {
        return catchThrowableOfType(PortalDatabaseException.class, () -> database.inTransaction(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < values.length; i++) {
                    statement.setString(i + 1, values[i]);
                }
                return statement.executeUpdate();
            }
        }));
    }

    private static void assertNoValueInChain(Throwable failure, String value) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            assertThat(cause.getMessage()).as(cause.getClass().getName()).doesNotContain(value);
            assertThat(cause.toString()).doesNotContain(value);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aValueTooLongNamesTheStateAndColumnButNotTheValue(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalDatabaseException failure = failure(database, INSERT_PATIENT, "ehr", "1", SECRET.repeat(30));

            assertThat(failure).isInstanceOf(PortalDataRejectedException.class);
            assertThat(failure.getMessage()).startsWith("portal database: SQLSTATE 22001 value too long for its column");
            // PostgreSQL names the type of a 22001, not the column
            assertThat(failure.getMessage()).contains(kind.equals("h2") ? "column LEGAL_FAMILY CHARACTER VARYING(200)"
                    : "type character varying(200)");
            assertNoValueInChain(failure, SECRET);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aDuplicateKeyNamesTheConstraintButNotTheKey(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            failure(database, INSERT_PATIENT, "ehr", SECRET, "Doe");
            PortalDatabaseException failure = failure(database, INSERT_PATIENT, "ehr", SECRET, "Doe");

            assertThat(failure).isInstanceOf(PortalDataRejectedException.class);
            assertThat(failure.getMessage()).contains("SQLSTATE 23505 unique constraint violated")
                    .containsIgnoringCase("portal_patient").containsIgnoringCase("uq_portal_patient_source");
            assertNoValueInChain(failure, SECRET);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aMissingRequiredValueNamesTheColumnButNotTheRow(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalDatabaseException failure = failure(database, INSERT_PATIENT, null, "2", SECRET);

            assertThat(failure).isInstanceOf(PortalDataRejectedException.class);
            assertThat(failure.getMessage()).contains("SQLSTATE 23502 NOT NULL constraint violated").containsIgnoringCase("column source");
            assertNoValueInChain(failure, SECRET);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aValueOfTheWrongTypeIsNotQuoted(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalDatabaseException failure = failure(database,
                    "INSERT INTO portal_patient_address (patient_id, position, period_start) VALUES (1, 0, CAST(? AS DATE))", SECRET);

            assertThat(failure).isInstanceOf(PortalDataRejectedException.class);
            assertThat(failure.getMessage()).contains("SQLSTATE 22").contains("invalid date or time");
            assertNoValueInChain(failure, SECRET);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void otherFailuresAreRetriedAsBefore(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalDatabaseException failure = failure(database, "INSERT INTO no_such_table (x) VALUES (?)", SECRET);

            assertThat(failure).isNotInstanceOf(PortalDataRejectedException.class);
            assertThat(failure.getMessage()).contains("SQLSTATE 42");
            assertNoValueInChain(failure, SECRET);
        }
    }

    @Test
    void anEmbeddedH2FileDatabaseKeepsNoTraceFileWithTheValue(@TempDir Path dir) throws Exception {
        try (PortalDatabase database = PortalDatabase.open("jdbc:h2:file:" + dir.resolve("portal"), "sa", "", 2)) {
            failure(database, INSERT_PATIENT, "ehr", "1", SECRET.repeat(30));
        }

        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                assertThat(Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain(SECRET);
            }
        }
    }
}
