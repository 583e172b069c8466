package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.testing.FreePorts;

/**
 * A patient new to the portal is welcomed once, by a real SMTP delivery, never again on later
 * updates, and a welcome the mail server refused is sent again later rather than lost.
 */
class PatientWelcomeIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private GreenMail smtp;

    @AfterEach
    void stopMailServer() {
        if (smtp != null) {
            smtp.stop();
        }
    }

    private void startMailServer(int port) {
        smtp = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    private static Map<String, String> settings(long seed, String database, int smtpPort) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), database, seed));
        settings.put(PortalSyncSettings.WELCOME_ENABLED, "true");
        settings.put(PortalSyncSettings.WELCOME_INTERVAL, "200");
        settings.put(PortalSyncSettings.WELCOME_FROM, "welcome@practice.test");
        settings.put(PortalSyncSettings.WELCOME_ENDPOINT, "smtp://127.0.0.1:" + smtpPort);
        return settings;
    }

    /** The first poll of a seed tag with no patients yet: the initial load ends at once, so later patients are welcomed. */
    private static TestEngine startAfterAnEmptyInitialLoad(Map<String, String> settings) throws Exception {
        TestEngine engine = TestEngine.start(settings);
        engine.poll();
        return engine;
    }

    @Test
    void welcomesEachNewPatientOnceAtTheAddressThePolicyChose() throws Exception {
        long seed = 7373;
        startMailServer(0);
        try (TestEngine engine = startAfterAnEmptyInitialLoad(settings(seed, "h2", smtp.getSmtp().getPort()))) {
            EHR.seedPatients(30, seed);
            engine.poll();
            List<String> expected = ExpectedWelcomes.recipients(seed, 30, LocalDate.now(ZoneOffset.UTC));
            assertThat(expected).as("the generator gives most adults an email").hasSizeGreaterThan(5);

            assertThat(smtp.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), expected.size())).isTrue();
            awaitCount(engine, "SELECT COUNT(*) FROM welcome_outbox WHERE processed_at IS NOT NULL", expected.size());

            MimeMessage[] sent = smtp.getReceivedMessages();
            assertThat(Arrays.stream(sent).map(PatientWelcomeIT::recipient).toList()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(sent[0].getSubject()).isEqualTo("Welcome to your patient portal");
            assertThat(sent[0].getFrom()[0].toString()).isEqualTo("welcome@practice.test");
            assertThat(sent[0].getContent().toString()).startsWith("Dear ").doesNotContain("${");
            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox WHERE attempts = 1 AND recipient_kind = 'PATIENT'"))
                    .isEqualTo(expected.size());

            String id = (String) engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").get(0).get("source_id");
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            patient.getNameFirstRep().setFamily("Welcomed-Before");
            EHR.adminClient().update().resource(patient).execute();
            engine.poll();
            Thread.sleep(1_000);

            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).isEqualTo(expected.size());
            assertThat(smtp.getReceivedMessages()).hasSize(expected.size());
        }
    }

    @Test
    void aRefusedSendStaysPendingAndIsSentOnceTheMailServerAcceptsIt() throws Exception {
        long seed = 7374;
        int port = FreePorts.next();
        try (TestEngine engine = startAfterAnEmptyInitialLoad(settings(seed, "h2", port))) {
            EHR.seedPatients(12, seed);
            engine.poll();
            List<String> expected = ExpectedWelcomes.recipients(seed, 12, LocalDate.now(ZoneOffset.UTC));
            assertThat(expected).isNotEmpty();

            // nothing listens on the port: every send is refused, run after run
            awaitCount(engine, "SELECT COUNT(*) FROM welcome_outbox WHERE attempts >= 2", expected.size());
            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox WHERE processed_at IS NOT NULL")).isZero();
            assertThat(engine.rows("SELECT last_error, given_up_at FROM welcome_outbox")).allSatisfy(row -> {
                assertThat((String) row.get("last_error")).isNotBlank().doesNotContain("@");
                assertThat(row.get("given_up_at")).isNull();
            });
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).as("a refused send is retried, not dead-lettered").isZero();

            startMailServer(port);

            assertThat(smtp.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), expected.size())).isTrue();
            awaitCount(engine, "SELECT COUNT(*) FROM welcome_outbox WHERE processed_at IS NOT NULL", expected.size());
            Thread.sleep(1_000);
            assertThat(Arrays.stream(smtp.getReceivedMessages()).map(PatientWelcomeIT::recipient).toList())
                    .as("exactly one mail per patient").containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aWelcomeRefusedMaxAttemptsTimesIsGivenUpWithOneAlert(String database) throws Exception {
        long seed = 7375 + database.length();
        int port = FreePorts.next();
        Map<String, String> settings = settings(seed, database, port);
        settings.put(PortalSyncSettings.WELCOME_MAX_ATTEMPTS, "2");
        try (TestEngine engine = startAfterAnEmptyInitialLoad(settings)) {
            EHR.seedPatients(6, seed);
            engine.poll();
            int expected = ExpectedWelcomes.recipients(seed, 6, LocalDate.now(ZoneOffset.UTC)).size();
            assertThat(expected).isPositive();

            awaitCount(engine, "SELECT COUNT(*) FROM welcome_outbox WHERE given_up_at IS NOT NULL", expected);
            Thread.sleep(1_000);

            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox WHERE attempts = 2 AND processed_at IS NULL")).isEqualTo(expected);
            List<Map<String, Object>> alerts = engine.rows("SELECT kind, message FROM alert");
            assertThat(alerts).hasSize(expected).allSatisfy(alert -> {
                assertThat(alert.get("kind")).isEqualTo("WELCOME_UNDELIVERED");
                assertThat((String) alert.get("message")).startsWith("welcome_outbox/").doesNotContain("@");
            });
        }
    }

    static void awaitCount(TestEngine engine, String sql, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (engine.count(sql) < expected) {
            assertThat(System.nanoTime()).as(sql + " reaches " + expected + " in time").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    static String recipient(MimeMessage message) {
        try {
            return message.getRecipients(Message.RecipientType.TO)[0].toString();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
