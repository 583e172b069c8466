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
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;

/** A patient new to the portal is welcomed once, by a real SMTP delivery, and never again on later updates. */
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
            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox WHERE recipient_kind = 'PATIENT'")).isEqualTo(expected.size());

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
