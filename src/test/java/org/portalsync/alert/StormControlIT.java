package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.alert.AlertDeliveryIT.await;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * A half-hour EHR outage, hundreds of failed polls on the engine's clock, ends in one alert and one
 * "recovered" alert per channel, carrying the count and the first and last failure; neither says
 * anything of a patient or the access token.
 */
class StormControlIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final int FAILED_POLLS = 300;
    private static final Duration BETWEEN_POLLS = Duration.ofSeconds(6);

    @Test
    void aThirtyMinuteOutageSendsOneAlertAndOneRecoveryPerChannel() throws Exception {
        long seed = 10521;
        List<String> ids = EHR.seedPatients(5, seed);
        List<String> names = new ArrayList<>();
        for (String id : ids) {
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            patient.getName().stream().map(HumanName::getFamily).filter(family -> family != null && family.length() > 2).forEach(names::add);
        }
        assertThat(names).isNotEmpty();
        SettableClock clock = new SettableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl()); ChatWebhookEndpoint webhook = new ChatWebhookEndpoint()) {
            Map<String, String> settings = AlertDeliveryIT.settings(proxy, seed, smtp.getSmtp().getPort(), webhook);
            // one failed call per poll, so that the count is the polls'
            settings.put(PortalSyncSettings.RETRY_MAXIMUM, "0");
            try (TestEngine engine = TestEngine.start(settings, clock)) {
                assertThat(engine.poll()).doesNotContain("stopped early");
                String token = proxy.requests().stream().map(request -> request.header("Authorization")).filter(h -> h != null)
                        .map(h -> h.substring("Bearer ".length())).findFirst().orElseThrow();

                proxy.down();
                Instant firstFailure = clock.instant().plus(BETWEEN_POLLS);
                for (int i = 0; i < FAILED_POLLS; i++) {
                    clock.advance(BETWEEN_POLLS);
                    assertThat(engine.poll()).contains("poll stopped early: EHR_DOWN");
                }
                Instant lastFailure = clock.instant();
                assertThat(Duration.between(firstFailure, lastFailure)).isGreaterThanOrEqualTo(Duration.ofMinutes(29));
                proxy.up();
                clock.advance(BETWEEN_POLLS);
                assertThat(engine.poll()).doesNotContain("stopped early");

                // two recipients: each notice is one mail to both
                await(() -> webhook.bodies().size() == 2 && smtp.getReceivedMessages().length == 4);
                Thread.sleep(1_500);

                assertThat(webhook.bodies()).hasSize(2);
                assertThat(webhook.bodies().get(0)).contains("\"notice\":\"ALERT\"").contains("\"kind\":\"EHR_DOWN\"");
                assertThat(webhook.bodies().get(1)).contains("\"notice\":\"RECOVERED\"").contains("\"occurrences\":" + FAILED_POLLS)
                        .contains("\"firstAt\":\"" + firstFailure + "\"").contains("\"lastAt\":\"" + lastFailure + "\"");
                MimeMessage[] mails = smtp.getReceivedMessages();
                assertThat(mails).hasSize(4);
                List<String> subjects = new ArrayList<>();
                MimeMessage recovery = null;
                for (MimeMessage mail : mails) {
                    subjects.add(mail.getSubject());
                    recovery = mail.getSubject().startsWith("[portal-sync] RECOVERED") ? mail : recovery;
                }
                assertThat(subjects).containsExactlyInAnyOrder("[portal-sync] CRITICAL EHR_DOWN at ehr", "[portal-sync] CRITICAL EHR_DOWN at ehr",
                        "[portal-sync] RECOVERED EHR_DOWN at ehr", "[portal-sync] RECOVERED EHR_DOWN at ehr");
                assertThat(GreenMailUtil.getBody(recovery)).contains(FAILED_POLLS + " failures between " + firstFailure + " and " + lastFailure);

                Map<String, Object> alert = engine.rows("SELECT kind, occurrences, raised_at, last_raised_at, recovered_at, sent_at,"
                        + " recovery_sent_at FROM alert").get(0);
                assertThat(engine.count("SELECT COUNT(*) FROM alert")).as("one row for the whole outage").isEqualTo(1);
                assertThat(alert).containsEntry("kind", "EHR_DOWN").containsEntry("occurrences", FAILED_POLLS);
                assertThat(((OffsetDateTime) alert.get("raised_at")).toInstant()).isEqualTo(firstFailure);
                assertThat(((OffsetDateTime) alert.get("last_raised_at")).toInstant()).isEqualTo(lastFailure);
                assertThat(alert.get("recovered_at")).isNotNull();
                assertThat(alert.get("recovery_sent_at")).isNotNull();

                List<String> sent = new ArrayList<>(webhook.bodies());
                for (MimeMessage mail : mails) {
                    sent.add(mail.getSubject() + "\n" + GreenMailUtil.getBody(mail));
                }
                assertThat(sent).allSatisfy(text -> {
                    assertThat(text).doesNotContain(token).doesNotContain(EHR.clientSecret());
                    names.forEach(name -> assertThat(text).doesNotContain(name));
                });
            }
        } finally {
            smtp.stop();
        }
    }
}
