package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * Critical alerts go out through both configured channels, a real SMTP server (GreenMail) and a local chat
 * webhook, and count as sent only once each channel took them; a channel that fails is tried again.
 */
class AlertDeliveryIT {

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

    static Map<String, String> settings(FaultInjectingProxy proxy, long seed, int smtpPort, ChatWebhookEndpoint webhook) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.ALERT_INTERVAL, "200");
        settings.put(PortalSyncSettings.ALERT_MAIL_HOST, "127.0.0.1");
        settings.put(PortalSyncSettings.ALERT_MAIL_PORT, String.valueOf(smtpPort));
        settings.put(PortalSyncSettings.ALERT_MAIL_FROM, "portal-sync@practice.test");
        settings.put(PortalSyncSettings.ALERT_MAIL_TO, "it@practice.test, oncall@practice.test");
        settings.put(PortalSyncSettings.ALERT_WEBHOOK_URL, webhook.url());
        return settings;
    }

    @Test
    void aCriticalAlertGoesOutThroughMailAndTheWebhookAndIsMarkedSent() throws Exception {
        long seed = 10511;
        EHR.seedPatients(3, seed);
        startMailServer(0);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl()); ChatWebhookEndpoint webhook = new ChatWebhookEndpoint();
                TestEngine engine = TestEngine.start(settings(proxy, seed, smtp.getSmtp().getPort(), webhook))) {
            proxy.down();
            engine.poll();

            await(() -> smtp.getReceivedMessages().length == 2); // one mail, to two recipients
            await(() -> engine.count("SELECT COUNT(*) FROM alert WHERE sent_at IS NOT NULL") == 1);
            Thread.sleep(1_000);

            MimeMessage[] mails = smtp.getReceivedMessages();
            assertThat(Arrays.stream(mails).map(AlertDeliveryIT::recipients).toList())
                    .containsOnly("it@practice.test, oncall@practice.test");
            assertThat(mails[0].getSubject()).isEqualTo("[portal-sync] CRITICAL EHR_DOWN at ehr");
            assertThat(mails[0].getFrom()[0].toString()).isEqualTo("portal-sync@practice.test");
            assertThat(GreenMailUtil.getBody(mails[0])).contains("EHR unreachable").contains("1 occurrence");
            assertThat(webhook.bodies()).singleElement().satisfies(body -> assertThat(body).contains("\"kind\":\"EHR_DOWN\"")
                    .contains("\"notice\":\"ALERT\"").contains("\"text\":\"[portal-sync] CRITICAL EHR_DOWN at ehr"));
            assertThat(engine.rows("SELECT channel FROM alert_delivery ORDER BY channel").stream().map(row -> row.get("channel")).toList())
                    .containsExactly("mail", "webhook");
        }
    }

    @Test
    void aChannelThatFailsLeavesTheAlertUnsentUntilItTakesItAndTheOtherSendsOnce() throws Exception {
        long seed = 10512;
        EHR.seedPatients(3, seed);
        int smtpPort = FreePorts.next();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl()); ChatWebhookEndpoint webhook = new ChatWebhookEndpoint();
                TestEngine engine = TestEngine.start(settings(proxy, seed, smtpPort, webhook))) {
            proxy.down();
            engine.poll();

            // nothing listens on the SMTP port: the webhook takes it, the mail does not, run after run
            await(() -> webhook.bodies().size() == 1);
            Thread.sleep(1_500);
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE sent_at IS NULL")).isEqualTo(1);
            assertThat(engine.rows("SELECT channel FROM alert_delivery").stream().map(row -> row.get("channel")).toList())
                    .containsExactly("webhook");

            startMailServer(smtpPort);

            await(() -> smtp.getReceivedMessages().length == 2);
            await(() -> engine.count("SELECT COUNT(*) FROM alert WHERE sent_at IS NOT NULL") == 1);
            Thread.sleep(1_000);
            assertThat(smtp.getReceivedMessages()).as("one mail to each of the two recipients").hasSize(2);
            assertThat(webhook.bodies()).as("the webhook is not sent to again").hasSize(1);
        }
    }

    private static String recipients(MimeMessage mail) {
        try {
            return mail.getHeader("To", ", ");
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(Condition condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 30 s");
            }
            Thread.sleep(100);
        }
    }

}
