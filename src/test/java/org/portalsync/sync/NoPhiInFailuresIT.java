package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.SandboxEhr;
import org.slf4j.LoggerFactory;

/**
 * A record the portal database refuses because of its data: the database's error text quotes the
 * value, and none of it may reach a log line, an alert or the dead letter's cause (the payload
 * keeps the record, by design). Real H2 and real PostgreSQL, the real engine on the real routes.
 */
class NoPhiInFailuresIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    static List<String> databases() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aValueTooLongForItsColumnIsDeadLetteredOnceWithItsStateAndColumnButNeverItsValue(String kind) throws Exception {
        long seed = kind.equals("h2") ? 7101 : 7102;
        List<String> ids = EHR.seedPatients(6, seed);
        String marker = "Phimarkerq" + seed;
        // legal_family is VARCHAR(200); the mapping takes any length, so the database is the one to refuse it
        String family = marker + "x".repeat(300 - marker.length());
        Patient tooLong = EHR.adminClient().read().resource(Patient.class).withId(ids.get(2)).execute();
        tooLong.getName().clear();
        tooLong.addName().setFamily(family).addGiven("Eve");
        EHR.adminClient().update().resource(tooLong).execute();

        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try (TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), kind, seed))) {
            String summary = engine.poll();

            assertThat(summary).contains("1 dead-lettered");
            List<Map<String, Object>> letters = engine.rows("SELECT record_ref, cause_type, cause_message, payload FROM dead_letter");
            assertThat(letters).hasSize(1);
            Map<String, Object> letter = letters.get(0);
            assertThat(letter).containsEntry("record_ref", "Patient/" + ids.get(2));
            assertThat((String) letter.get("cause_type")).endsWith("PortalDataRejectedException");
            assertThat((String) letter.get("cause_message")).contains("SQLSTATE 22001")
                    .contains(kind.equals("h2") ? "column LEGAL_FAMILY" : "type character varying(200)");
            assertThat((String) letter.get("payload")).as("the payload is the record, kept for replay").contains(marker);

            List<String> stored = new ArrayList<>();
            engine.rows("SELECT kind, message FROM alert").forEach(row -> stored.add(row.get("kind") + " " + row.get("message")));
            engine.rows("SELECT cause_type, cause_message FROM dead_letter")
                    .forEach(row -> stored.add(row.get("cause_type") + " " + row.get("cause_message")));
            engine.rows("SELECT last_error FROM patient_sync_status WHERE last_error IS NOT NULL")
                    .forEach(row -> stored.add(String.valueOf(row.get("last_error"))));
            engine.rows("SELECT field, problem FROM data_quality_issue").forEach(row -> stored.add(row.get("field") + " " + row.get("problem")));
            assertThat(stored).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(marker));
            assertThat(stored).anySatisfy(text -> assertThat(text).startsWith("MAPPING_FAILURE patient-sync-one Patient/" + ids.get(2))
                    .contains("SQLSTATE 22001").endsWith("(after 1 attempt)"));
        } finally {
            root.detachAppender(logs);
        }

        List<String> lines = logs.list.stream().map(NoPhiInFailuresIT::fullText).toList();
        assertThat(lines).as("log lines").allSatisfy(line -> assertThat(line).doesNotContain(marker));
        assertThat(lines).as("the alert is logged with the state, once").filteredOn(line -> line.contains("ALERT MAPPING_FAILURE"))
                .singleElement().satisfies(line -> assertThat(line).contains("SQLSTATE 22001").contains("after 1 attempt"));
        assertThat(lines).as("not retried: it would fail the same way").noneMatch(line -> line.contains("Retry "));
    }

    /** The message and every cause's class and message, as an appender printing stack traces would show them. */
    private static String fullText(ILoggingEvent event) {
        StringBuilder text = new StringBuilder(event.getLoggerName()).append(": ").append(event.getFormattedMessage());
        for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
            text.append("\n  caused by ").append(cause.getClassName()).append(": ").append(cause.getMessage());
        }
        return text.toString();
    }
}
