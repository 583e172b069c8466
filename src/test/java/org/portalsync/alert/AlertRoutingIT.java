package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.alert.AlertDeliveryIT.await;

import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * portal-sync.alert.routing and .mail.to-by-kind against the real engine, GreenMail and a chat endpoint:
 * an EHR outage goes only to chat, the EHR's server errors (a warning, by default only in the digest) go
 * at once by mail to the vendor desk alone.
 */
class AlertRoutingIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void eachKindGoesOnlyThroughItsRoutedChannelsToItsOwnRecipients() throws Exception {
        long seed = 10657;
        EHR.seedPatients(3, seed);
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl()); ChatWebhookEndpoint webhook = new ChatWebhookEndpoint()) {
            Map<String, String> settings = AlertDeliveryIT.settings(proxy, seed, smtp.getSmtp().getPort(), webhook);
            settings.put(PortalSyncSettings.ALERT_ROUTING, "EHR_DOWN=webhook; EHR_SERVER_ERROR=mail");
            settings.put(PortalSyncSettings.ALERT_MAIL_TO_BY_KIND, "EHR_SERVER_ERROR=vendor-desk@practice.test");
            try (TestEngine engine = TestEngine.start(settings)) {
                proxy.down();
                engine.poll();

                await(() -> webhook.bodies().size() == 1);
                await(() -> engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'EHR_DOWN' AND sent_at IS NOT NULL") == 1);
                assertThat(webhook.bodies().get(0)).contains("\"kind\":\"EHR_DOWN\"");

                proxy.up();
                proxy.failEvery(500, "/fhir/Patient");
                engine.poll();

                await(() -> smtp.getReceivedMessages().length == 1);
                await(() -> engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'EHR_SERVER_ERROR' AND sent_at IS NOT NULL") == 1);
                Thread.sleep(1_000);
                MimeMessage mail = smtp.getReceivedMessages()[0];
                assertThat(mail.getHeader("To", ", ")).isEqualTo("vendor-desk@practice.test");
                assertThat(mail.getSubject()).isEqualTo("[portal-sync] WARNING EHR_SERVER_ERROR at ehr");
                assertThat(webhook.bodies()).as("chat had EHR_DOWN (and its recovery), never the server error")
                        .allSatisfy(body -> assertThat(body).contains("\"kind\":\"EHR_DOWN\""));
                assertThat(smtp.getReceivedMessages()).as("mail never had EHR_DOWN").hasSize(1);
            }
        } finally {
            smtp.stop();
        }
    }
}
