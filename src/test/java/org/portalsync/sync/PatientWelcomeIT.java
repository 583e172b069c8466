package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;

/** A patient new to the portal is welcomed once, by a real SMTP delivery, and never again on later updates. */
class PatientWelcomeIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private GreenMail smtp;

    @BeforeEach
    void startMailServer() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void stopMailServer() {
        smtp.stop();
    }

    @Test
    void welcomesEachNewPatientWithAnEmailExactlyOnce() throws Exception {
        long seed = 7373;
        EHR.seedPatients(30, seed);
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WELCOME_ENABLED, "true");
        settings.put(PortalSyncSettings.WELCOME_INTERVAL, "200");
        settings.put(PortalSyncSettings.WELCOME_FROM, "welcome@practice.test");
        settings.put(PortalSyncSettings.WELCOME_ENDPOINT, "smtp://127.0.0.1:" + smtp.getSmtp().getPort());
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            long withEmail = engine.count("SELECT COUNT(*) FROM portal_patient_telecom WHERE system = 'email' AND position = 0");
            assertThat(withEmail).as("the generator gives most patients an email").isGreaterThan(5);

            assertThat(smtp.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), (int) withEmail)).isTrue();
            awaitProcessed(engine, withEmail);

            MimeMessage[] sent = smtp.getReceivedMessages();
            assertThat(sent).hasSize((int) withEmail);
            List<String> recipients = Arrays.stream(sent).map(PatientWelcomeIT::recipient).toList();
            List<String> emails = engine.rows("SELECT contact_value FROM portal_patient_telecom WHERE system = 'email' AND position = 0")
                    .stream().map(row -> (String) row.get("contact_value")).toList();
            assertThat(recipients).containsExactlyInAnyOrderElementsOf(emails);
            assertThat(sent[0].getSubject()).isEqualTo("Welcome to your patient portal");
            assertThat(sent[0].getFrom()[0].toString()).isEqualTo("welcome@practice.test");
            assertThat(sent[0].getContent().toString()).startsWith("Dear ").doesNotContain("${");

            String id = (String) engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").get(0).get("source_id");
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            patient.getNameFirstRep().setFamily("Welcomed-Before");
            EHR.adminClient().update().resource(patient).execute();
            engine.poll();
            Thread.sleep(1_000);

            assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).isEqualTo(engine.count("SELECT COUNT(*) FROM portal_patient"));
            assertThat(smtp.getReceivedMessages()).hasSize((int) withEmail);
        }
    }

    private static void awaitProcessed(TestEngine engine, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (engine.count("SELECT COUNT(*) FROM welcome_outbox WHERE processed_at IS NOT NULL") < expected) {
            assertThat(System.nanoTime()).as("welcome rows marked processed in time").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static String recipient(MimeMessage message) {
        try {
            return message.getRecipients(Message.RecipientType.TO)[0].toString();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
