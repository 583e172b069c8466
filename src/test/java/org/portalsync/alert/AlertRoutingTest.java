package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.portalsync.config.ConfigurationException;

class AlertRoutingTest {

    private static final List<String> BOTH = List.of(AlertNotice.MAIL, AlertNotice.WEBHOOK);

    @Test
    void aKindNotNamedKeepsItsDefaultCriticalAtOnceWarningsInTheDigest() {
        AlertRouting routing = AlertRouting.defaults(BOTH);

        assertThat(routing.channels(AlertKind.EHR_DOWN)).isEqualTo(BOTH);
        assertThat(routing.channels(AlertKind.MAPPING_FAILURE)).isEmpty();
        assertThat(routing.digestOnly()).contains(AlertKind.MAPPING_FAILURE).doesNotContain(AlertKind.EHR_DOWN, AlertKind.AUTH_FAILURE);
    }

    @Test
    void eachNamedKindGoesOnlyWhereItIsRoutedWithItsOwnRecipients() {
        AlertRouting routing = AlertRouting.parse("routing", "EHR_DOWN=webhook; auth_failure = mail, webhook ;MAPPING_FAILURE=mail;"
                + " PORTAL_DB_DOWN=digest", "by-kind", "MAPPING_FAILURE=data@practice.test, it@practice.test", BOTH);

        assertThat(routing.channels(AlertKind.EHR_DOWN)).containsExactly(AlertNotice.WEBHOOK);
        assertThat(routing.channels(AlertKind.AUTH_FAILURE)).containsExactly(AlertNotice.MAIL, AlertNotice.WEBHOOK);
        assertThat(routing.channels(AlertKind.MAPPING_FAILURE)).containsExactly(AlertNotice.MAIL);
        assertThat(routing.channels(AlertKind.PORTAL_DB_DOWN)).isEmpty();
        assertThat(routing.digestOnly()).contains(AlertKind.PORTAL_DB_DOWN, AlertKind.UNSAFE_LINK).doesNotContain(AlertKind.MAPPING_FAILURE);
        assertThat(routing.mailRecipients(AlertKind.MAPPING_FAILURE, List.of("it@practice.test")))
                .containsExactly("data@practice.test", "it@practice.test");
        assertThat(routing.mailRecipients(AlertKind.AUTH_FAILURE, List.of("it@practice.test"))).containsExactly("it@practice.test");
    }

    @Test
    void aChannelThatIsNotConfiguredIsLeftOut() {
        AlertRouting routing = AlertRouting.parse("routing", "EHR_DOWN=mail,webhook; WRITE_BACK_FAILED=mail", "by-kind", "",
                List.of(AlertNotice.WEBHOOK));

        assertThat(routing.channels(AlertKind.EHR_DOWN)).containsExactly(AlertNotice.WEBHOOK);
        assertThat(routing.channels(AlertKind.WRITE_BACK_FAILED)).isEmpty();
        assertThat(routing.digestOnly()).contains(AlertKind.WRITE_BACK_FAILED);
    }

    @Test
    void anUnknownKindOrChannelStopsStartUpNamingTheSettingAndTheChoices() {
        assertThatThrownBy(() -> AlertRouting.parse("portal-sync.alert.routing", "EHR_OUTAGE=mail", "by-kind", "", BOTH))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("portal-sync.alert.routing: 'EHR_OUTAGE' is not an alert kind")
                .hasMessageContaining("EHR_DOWN");
        assertThatThrownBy(() -> AlertRouting.parse("portal-sync.alert.routing", "EHR_DOWN=sms", "by-kind", "", BOTH))
                .hasMessageContaining("'sms' for EHR_DOWN is not a channel");
        assertThatThrownBy(() -> AlertRouting.parse("portal-sync.alert.routing", "EHR_DOWN=mail,digest", "by-kind", "", BOTH))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> AlertRouting.parse("routing", "", "portal-sync.alert.mail.to-by-kind", "frontdesk@practice.test", BOTH))
                .hasMessageContaining("portal-sync.alert.mail.to-by-kind: 'frontdesk@practice.test' is not KIND=value");
    }
}
