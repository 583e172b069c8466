package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * The MLLP listener of the real engine (routes/hl7v2-mllp-inbound.yaml, the shipped mapping), fed by HAPI v2's own
 * MLLP client: ACKs after the store, NACKs naming the field, duplicates, per-patient order through the shared
 * pipeline into the portal database, garbage and dropped connections, and mapping files changed while it runs.
 */
class Hl7v2MllpIT {

    /** The MLLP client of every HL7 v2 test class ({@link #send}). */
    private static final HapiContext HAPI = client();
    private static final String SENDER = "LEGACY|CLINIC-A";

    @TempDir
    Path mappings;

    /**
     * One client for the test JVM, never closed: other test classes send through it too, and closing a context that
     * uses HAPI's default threads stops them for every context in the JVM (the engine's outbound sender included).
     */
    private static HapiContext client() {
        HapiContext context = new DefaultHapiContext(java.util.concurrent.Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "hl7v2-test-client");
            thread.setDaemon(true);
            return thread;
        }));
        context.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
        context.setValidationContext(ValidationContextFactory.noValidation());
        return context;
    }

    static Map<String, String> settings(int port) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.HL7V2_MLLP_ENABLED, "true");
        settings.put(PortalSyncSettings.HL7V2_MLLP_PORT, String.valueOf(port));
        settings.put(PortalSyncSettings.HL7V2_INBOX_SWEEP_INTERVAL, "200ms");
        settings.put(PortalSyncSettings.HL7V2_MAPPINGS_RESCAN_INTERVAL, "200ms");
        return settings;
    }

    static String adt(String event, String controlId, String pid, String... more) {
        StringBuilder message = new StringBuilder("MSH|^~\\&|" + SENDER + "|PORTAL|PS|20240301120000||ADT^" + event + "^ADT_A01|" + controlId
                + "|P|2.5.1\rEVN|" + event + "|20240301120000\r" + pid);
        for (String segment : more) {
            message.append('\r').append(segment);
        }
        return message.toString();
    }

    /** Sends one message on a new connection with HAPI's MLLP client; returns the ACK. */
    static Message send(int port, String text) throws Exception {
        Connection connection = HAPI.newClient("127.0.0.1", port, false);
        try {
            return connection.getInitiator().sendAndReceive(HAPI.getPipeParser().parse(text));
        } finally {
            connection.close();
        }
    }

    static String get(Message ack, String path) throws Exception {
        return new Terser(ack).get(path);
    }

    /** One MLLP frame's content: from the start block (0x0b) to the end block (0x1c). */
    static String readFrame(InputStream in) throws Exception {
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != 0x0b) {
            if (b < 0) {
                return "";
            }
        }
        while ((b = in.read()) != 0x1c && b >= 0) {
            frame.write(b);
        }
        return frame.toString(StandardCharsets.UTF_8);
    }

    static void await(Callable<Boolean> condition) throws Exception {
        await(condition, 60);
    }

    static void await(Callable<Boolean> condition, int seconds) throws Exception {
        for (Instant until = Instant.now().plusSeconds(seconds); Instant.now().isBefore(until); Thread.sleep(50)) {
            if (condition.call()) {
                return;
            }
        }
        assertThat(condition.call()).as("condition not met within %d s", seconds).isTrue();
    }

    static void awaitInboxDone(TestEngine engine) throws Exception {
        awaitInboxDone(engine, 60);
    }

    static void awaitInboxDone(TestEngine engine, int seconds) throws Exception {
        await(() -> engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE status <> 'DONE'") == 0, seconds);
    }

    @Test
    void anA04ThenAnA08OfOnePatientEndAsOnePortalPatientWithTheA08sValues() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            // stored while nothing applies them: the inbox must apply them in the order they came
            engine.stopRoute("hl7v2-inbox");
            // XTN-3 should be an equipment type (table 0202); this sender put something else there
            Message a04 = send(port, adt("A04", "CTRL-10551", "PID|1||A-10551^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F|||||"
                    + "5550100^PRN^JP:5550100", "PV1|1|O"));
            Message a08 = send(port, adt("A08", "CTRL-10552", "PID|1||A-10551^^^CLINIC-A^MR||King^Ada^^^^^L||19151210|F|||"
                    + "12 St James's Square^^London^^SW1Y 4JH^GB^H||^PRN^Internet^ada@example.org"));
            assertThat(get(a04, "/MSA-1")).isEqualTo("AA");
            assertThat(get(a04, "/MSA-2")).isEqualTo("CTRL-10551");
            assertThat(get(a08, "/MSA-1")).isEqualTo("AA");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE status = 'PENDING'")).as("stored before the ACK").isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();

            engine.startRoute("hl7v2-inbox");
            awaitInboxDone(engine);

            assertThat(engine.rows("SELECT source, mrn, legal_family, legal_given, birth_date FROM portal_patient"))
                    .singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("source", "legacy-adt").containsEntry("mrn", "A-10551")
                                .containsEntry("legal_family", "King").containsEntry("legal_given", "Ada");
                        assertThat(row.get("birth_date")).hasToString("1915-12-10");
                    });
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient_telecom WHERE system = 'email'")).as("the A08's email").isEqualTo(1);
            // the A04's PV1 was read by no rule (its EVN and PID-1 the mapping ignores): a digest row for the mapping and type, naming fields only
            assertThat(engine.rows("SELECT problem FROM data_quality_issue WHERE field = 'HL7v2 unmapped' AND record_ref = "
                    + "'mapping hl7v2-adt-patient' ORDER BY id"))
                    .extracting(row -> (String) row.get("problem")).first().asString()
                    .startsWith("HL7 v2 ADT^A04 messages: no rule reads PV1; PID-13-3: a code not in table telecom-system (")
                    .doesNotContain("Lovelace").doesNotContain("5550100");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action LIKE 'HL7v2 ADT^A0%' AND result = 'success'")).isEqualTo(2);
        }
    }

    @Test
    void aBadMessageGetsANackNamingTheFieldAndProblemAndNothingIsStored() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            // no PID-3 repetition of type MR: the record's id cannot be derived
            Message noMrn = send(port, adt("A04", "CTRL-10553", "PID|1||999-01^^^SSA^SS||Lovelace^Ada"));
            // America/New_York (the shipped mapping's zone) skipped 02:00-03:00 on 2024-03-10
            Message gap = send(port, adt("A04", "CTRL-10554", "PID|1||A-10554^^^CLINIC-A^MR||Lovelace^Ada" + "|".repeat(24)
                    + "20240310023000"));
            Message noMapping = send(port, "MSH|^~\\&|" + SENDER + "|PORTAL|PS|20240301120000||MDM^T02^MDM_T02|CTRL-10555|P|2.5.1\r"
                    + "PID|1||A-10555^^^CLINIC-A^MR||Lovelace^Ada");
            Message unreadable = send(port, adt("A04", "CTRL-10556", "PID|1||A-10556^^^CLINIC-A^MR||Lovelace^Ada||1915121"));

            assertThat(get(noMrn, "/MSA-1")).isEqualTo("AE");
            assertThat(get(noMrn, "/ERR-2-1")).isEqualTo("PID");
            assertThat(get(noMrn, "/ERR-2-3")).isEqualTo("3");
            assertThat(get(noMrn, "/ERR-3-1")).isEqualTo("101");
            assertThat(get(noMrn, "/ERR-8")).startsWith("PID-3(5=MR)-1: required");
            assertThat(get(gap, "/MSA-1")).isEqualTo("AE");
            assertThat(get(gap, "/ERR-2-3")).isEqualTo("29");
            assertThat(get(gap, "/ERR-8")).contains("daylight-saving gap of America/New_York");
            assertThat(get(noMapping, "/MSA-1")).isEqualTo("AR");
            assertThat(get(noMapping, "/ERR-2-1")).isEqualTo("MSH");
            assertThat(get(noMapping, "/ERR-3-1")).isEqualTo("200");
            assertThat(get(noMapping, "/ERR-8")).isEqualTo("MSH-9: no mapping in config/mappings takes MDM^T02 from sender "
                    + "LEGACY^CLINIC-A (MSH-3^MSH-4)");
            assertThat(get(unreadable, "/MSA-1")).isEqualTo("AE");
            assertThat(get(unreadable, "/ERR-8")).startsWith("PID-7: not an HL7 date");

            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'HL7v2 message' AND result LIKE 'failure: %'"))
                    .isEqualTo(4);
        }
    }

    @Test
    void aMessageSentTwiceIsAcknowledgedTwiceAndAppliedOnce() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            String a04 = adt("A04", "CTRL-10557", "PID|1||A-10557^^^CLINIC-A^MR||Lovelace^Ada||19151210|F");

            Message first = send(port, a04);
            awaitInboxDone(engine);
            Message again = send(port, a04);

            assertThat(get(first, "/MSA-1")).isEqualTo("AA");
            assertThat(get(again, "/MSA-1")).as("the sender lost our first ACK: it gets another").isEqualTo("AA");
            assertThat(get(again, "/MSA-2")).isEqualTo("CTRL-10557");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(1);
            assertThat(engine.count("SELECT row_version FROM portal_patient")).as("written once").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE result = 'success: duplicate, not applied again'")).isEqualTo(1);
        }
    }

    @Test
    void aMessageTheInboxCannotStoreIsNackedAndTakenOnceItIsSentAgain() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            String a04 = adt("A04", "CTRL-10566", "PID|1||A-10566^^^CLINIC-A^MR||Lovelace^Ada||19151210|F");
            // the inbox table unavailable: the store fails inside the listener, as with a database that is down
            execute(engine, "ALTER TABLE legacy_inbox RENAME TO legacy_inbox_away");

            Message refused = send(port, a04);

            assertThat(get(refused, "/MSA-1")).as("never AA for a message not stored").isEqualTo("AE");
            assertThat(get(refused, "/ERR-3-1")).isEqualTo("207");
            execute(engine, "ALTER TABLE legacy_inbox_away RENAME TO legacy_inbox");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();

            Message again = send(port, a04);

            assertThat(get(again, "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE mrn = 'A-10566'")).isEqualTo(1);
        }
    }

    private static void execute(TestEngine engine, String sql) throws Exception {
        try (java.sql.Connection connection = engine.database().getConnection(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Test
    void garbageBytesAndADroppedConnectionDoNotTakeTheListenerDown() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream out = socket.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[] {0x00, (byte) 0xff, 0x1c, 0x0d, 0x0b});
                out.write("MSH|^~\\&|half a message, then the line drops".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }

            // a well-framed message that is not HL7 v2 at all: AR, and the connection stays usable
            String notHl7;
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("\u000bHELLO, this is not HL7\r\u001c\r".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                notHl7 = readFrame(socket.getInputStream());
            }
            assertThat(notHl7).contains("\rMSA|AR").contains("ERR|").contains("the message does not begin with an MSH segment");

            Message good = send(port, adt("A04", "CTRL-10558", "PID|1||A-10558^^^CLINIC-A^MR||Lovelace^Ada||19151210|F"));

            assertThat(get(good, "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE mrn = 'A-10558'")).isEqualTo(1);
            assertThat(engine.routeStatus("hl7v2-mllp-inbound")).isEqualTo("Started");
        }
    }

    @Test
    void aMappingDroppedInWhileTheEngineRunsTakesEffectAndABrokenOneDoesNotReplaceIt() throws Exception {
        int port = FreePorts.next();
        String shipped = Files.readString(ShippedAdtMappingCorpusTest.SHIPPED);
        Path file = mappings.resolve("hl7v2-adt-patient.yaml");
        Files.writeString(file, shipped.replace("events: [A01, A04, A08, A28, A31, A40]", "events: [A04]"));
        Map<String, String> settings = settings(port);
        settings.put(PortalSyncSettings.HL7V2_MAPPINGS_DIR, mappings.toString());
        try (TestEngine engine = TestEngine.start(settings)) {
            String a31 = adt("A31", "CTRL-10559", "PID|1||A-10559^^^CLINIC-A^MR||Lovelace^Ada||19151210|F");
            assertThat(get(send(port, a31), "/MSA-1")).isEqualTo("AR");

            Files.writeString(file, shipped);
            await(() -> "AA".equals(get(send(port, a31), "/MSA-1")));

            Files.writeString(file, shipped.replace("target: birthDate", "target: dateOfBirth"));
            await(() -> engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'HL7V2_MAPPING_REJECTED'") == 1);
            Message stillServed = send(port, adt("A31", "CTRL-10560", "PID|1||A-10560^^^CLINIC-A^MR||Lovelace^Ada||19151210|F"));

            assertThat(get(stillServed, "/MSA-1")).as("the previous version still serves").isEqualTo("AA");
            assertThat(engine.rows("SELECT message FROM alert WHERE kind = 'HL7V2_MAPPING_REJECTED'").get(0).get("message")).asString()
                    .startsWith(file + ":").contains("rule 'dateOfBirth'").endsWith("its previous version still serves");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(2);
        }
    }
}
