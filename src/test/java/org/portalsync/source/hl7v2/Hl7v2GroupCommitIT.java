package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * Group commit of the MLLP listener ({@link Hl7v2InboxWriter}) on a real PostgreSQL: messages sent on concurrent
 * connections while a commit is under way are stored together in the next one, and each keeps the guarantees of a
 * transaction of its own. To gather a batch for certain, the test holds an exclusive lock on {@code legacy_inbox}:
 * the writer's first message waits on it, the other connections' messages queue behind it, and all of them are
 * stored together once the lock is let go.
 */
class Hl7v2GroupCommitIT {

    private static final PipeParser ACKS = acks();
    private static final ExecutorService SENDERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "group-commit-sender");
        thread.setDaemon(true);
        return thread;
    });

    private static PipeParser acks() {
        HapiContext context = new DefaultHapiContext();
        context.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
        context.setValidationContext(ValidationContextFactory.noValidation());
        return context.getPipeParser();
    }

    @AfterAll
    static void stopSenders() {
        SENDERS.shutdownNow();
    }

    private static Map<String, String> settings(int port, String jdbcUrl) {
        Map<String, String> settings = Hl7v2MllpIT.settings(port);
        settings.put(PortalSyncSettings.DB_URL, jdbcUrl);
        settings.put(PortalSyncSettings.DB_USER, "postgres");
        return settings;
    }

    private static String a04(String controlId, String mrn) {
        return Hl7v2MllpIT.adt("A04", controlId, "PID|1||" + mrn + "^^^CLINIC-A^MR||Lovelace^Ada||19151210|F", "PV1|1|O");
    }

    /** Holds legacy_inbox so that nothing can be stored in it until the returned transaction ends. */
    private static Connection lockInbox(TestEngine engine) throws Exception {
        Connection lock = engine.database().getConnection();
        lock.setAutoCommit(false);
        try (Statement statement = lock.createStatement()) {
            statement.execute("LOCK TABLE legacy_inbox IN EXCLUSIVE MODE");
        }
        return lock;
    }

    /**
     * Sends on a connection of its own, as concurrent senders do (HAPI's client would share one connection per host
     * and port, and a connection's messages are taken one after the other).
     */
    private static Future<Message> sendLater(int port, String message) {
        return SENDERS.submit(() -> {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(60_000);
                OutputStream out = socket.getOutputStream();
                out.write(("\u000b" + message + "\u001c\r").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return ACKS.parse(Hl7v2MllpIT.readFrame(socket.getInputStream()));
            }
        });
    }

    /**
     * Sends the first message, waits until the writer is stuck on the lock with it, then sends the rest on concurrent
     * connections and waits until they all queue behind it: they will make one batch.
     */
    private static List<Future<Message>> sendBehindTheLock(TestEngine engine, int port, String first, List<String> batch) throws Exception {
        Hl7v2InboxWriter writer = engine.bean("hl7v2InboxWriter", Hl7v2InboxWriter.class);
        List<Future<Message>> answers = new ArrayList<>();
        answers.add(sendLater(port, first));
        Hl7v2MllpIT.await(() -> engine.count("SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND relation = 'legacy_inbox'::regclass") > 0);
        for (String message : batch) {
            answers.add(sendLater(port, message));
        }
        Hl7v2MllpIT.await(() -> writer.waiting() == batch.size());
        return answers;
    }

    private static String ackCode(Future<Message> answer) throws Exception {
        return Hl7v2MllpIT.get(answer.get(60, TimeUnit.SECONDS), "/MSA-1");
    }

    @Test
    void aMessageTheDatabaseRefusesIsNackedAloneAndItsBatchMatesAreStoredAndAcked() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port, TestDatabases.jdbcUrl("postgresql")))) {
            // MSH-10 longer than legacy_inbox.control_id (200): HAPI and the mapping take it, the database refuses it
            String tooLong = "CTRL-10852-" + "X".repeat(200);
            List<Future<Message>> answers;
            try (Connection lock = lockInbox(engine)) {
                answers = sendBehindTheLock(engine, port, a04("CTRL-10851", "A-10851"), List.of(a04("CTRL-10853", "A-10853"),
                        a04(tooLong, "A-10852"), a04("CTRL-10854", "A-10854")));
                lock.rollback();
            }

            assertThat(ackCode(answers.get(0))).isEqualTo("AA");
            assertThat(ackCode(answers.get(1))).isEqualTo("AA");
            Message refused = answers.get(2).get(60, TimeUnit.SECONDS);
            assertThat(Hl7v2MllpIT.get(refused, "/MSA-1")).isEqualTo("AE");
            assertThat(Hl7v2MllpIT.get(refused, "/ERR-3-1")).isEqualTo("207");
            assertThat(ackCode(answers.get(3))).isEqualTo("AA");
            assertThat(engine.rows("SELECT control_id FROM legacy_inbox ORDER BY control_id")).extracting(row -> row.get("control_id"))
                    .containsExactly("CTRL-10851", "CTRL-10853", "CTRL-10854");
            // each stored message with its own audit row and counted in the digest's row of its leftovers, the refused one not
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'HL7v2 ADT^A04' AND result = 'success'")).isEqualTo(3);
            assertThat(engine.rows("SELECT occurrences FROM data_quality_issue WHERE field = 'HL7v2 unmapped'"))
                    .extracting(row -> ((Number) row.get("occurrences")).intValue()).containsExactly(3);
            Hl7v2MllpIT.awaitInboxDone(engine);
            assertThat(engine.rows("SELECT mrn FROM portal_patient ORDER BY mrn")).extracting(row -> row.get("mrn"))
                    .containsExactly("A-10851", "A-10853", "A-10854");
        }
    }

    @Test
    void aControlIdSentTwiceInOneBatchIsStoredOnceAndAckedTwice() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port, TestDatabases.jdbcUrl("postgresql")))) {
            String twice = a04("CTRL-10856", "A-10856");
            List<Future<Message>> answers;
            try (Connection lock = lockInbox(engine)) {
                answers = sendBehindTheLock(engine, port, a04("CTRL-10855", "A-10855"), List.of(twice, a04("CTRL-10857", "A-10857"), twice));
                lock.rollback();
            }

            for (Future<Message> answer : answers) {
                assertThat(ackCode(answer)).isEqualTo("AA");
            }
            assertThat(engine.rows("SELECT control_id FROM legacy_inbox ORDER BY control_id")).extracting(row -> row.get("control_id"))
                    .containsExactly("CTRL-10855", "CTRL-10856", "CTRL-10857");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE resource LIKE '% MSH-10 CTRL-10856' AND result = 'success'"))
                    .isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE resource LIKE '% MSH-10 CTRL-10856' "
                    + "AND result = 'success: duplicate, not applied again'")).isEqualTo(1);
            assertThat(engine.count("SELECT SUM(occurrences) FROM data_quality_issue WHERE field = 'HL7v2 unmapped'")).as("counted once")
                    .isEqualTo(3);
            Hl7v2MllpIT.awaitInboxDone(engine);
            assertThat(engine.count("SELECT row_version FROM portal_patient WHERE mrn = 'A-10856'")).as("applied once").isEqualTo(1);
        }
    }

    @Test
    void whenTheDatabaseGoesDownEveryWaitingSenderIsNackedAndNothingIsStored() throws Exception {
        Path data = Path.of("target", "group-commit-down-" + System.nanoTime()).toAbsolutePath().resolve("pgdata");
        int dbPort = FreePorts.next();
        EmbeddedPostgres postgres = startPostgres(data, dbPort);
        int port = FreePorts.next();
        Map<String, String> settings = settings(port, postgres.getJdbcUrl("postgres", "postgres"));
        settings.put(PortalSyncSettings.DB_CONNECTION_TIMEOUT, "1s");
        try (TestEngine engine = TestEngine.start(settings)) {
            List<Future<Message>> answers;
            Connection lock = lockInbox(engine);
            answers = sendBehindTheLock(engine, port, a04("CTRL-10858", "A-10858"), List.of(a04("CTRL-10859", "A-10859"),
                    a04("CTRL-10860", "A-10860"), a04("CTRL-10861", "A-10861")));
            postgres.close();
            CompletableFuture.runAsync(() -> closeQuietly(lock));

            for (Future<Message> answer : answers) {
                Message ack = answer.get(60, TimeUnit.SECONDS);
                assertThat(Hl7v2MllpIT.get(ack, "/MSA-1")).as("never AA for a message not stored").isEqualTo("AE");
                assertThat(Hl7v2MllpIT.get(ack, "/ERR-3-1")).isEqualTo("207");
            }

            postgres = startPostgres(data, dbPort);
            Hl7v2MllpIT.await(() -> countQuietly(engine, "SELECT COUNT(*) FROM portal_patient") == 0);
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'HL7v2 ADT^A04'")).isZero();

            // the senders send them again: stored and ACKed
            assertThat(Hl7v2MllpIT.get(Hl7v2MllpIT.send(port, a04("CTRL-10859", "A-10859")), "/MSA-1")).isEqualTo("AA");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(1);
        } finally {
            postgres.close();
        }
    }

    private static EmbeddedPostgres startPostgres(Path data, int port) throws IOException {
        return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (Exception e) {
            // the server is gone: so is the lock
        }
    }

    private static long countQuietly(TestEngine engine, String sql) {
        try {
            return engine.count(sql);
        } catch (Exception e) {
            return -1;
        }
    }
}
