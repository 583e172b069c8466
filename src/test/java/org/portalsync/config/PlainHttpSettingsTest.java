package org.portalsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The access token and the client secret go over TLS, loopback excepted. */
class PlainHttpSettingsTest {

    private static PortalSyncSettings settings(Map<String, String> values) {
        return new PortalSyncSettings(key -> Optional.ofNullable(values.get(key)), "config/application.properties");
    }

    private static Map<String, String> with(String baseUrl, String tokenUrl) {
        Map<String, String> values = new HashMap<>();
        values.put(PortalSyncSettings.FHIR_BASE_URL, baseUrl);
        values.put(PortalSyncSettings.AUTH_TOKEN_URL, tokenUrl);
        values.put(PortalSyncSettings.AUTH_CLIENT_ID, "portal");
        values.put(PortalSyncSettings.AUTH_CLIENT_SECRET, "secret-value-1234");
        values.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, "urn:oid:2.16.840.1.113883.3.4424.1");
        return values;
    }

    @Test
    void loopbackMayUsePlainHttp() {
        for (String host : new String[] {"127.0.0.1:8080", "localhost:8080", "127.1.2.3", "[::1]:8080"}) {
            settings(with("http://" + host + "/fhir", "http://" + host + "/auth/token")).validate();
        }
    }

    @Test
    void plainHttpToAnotherHostIsRefusedNamingTheKeyAndTheWayOut() {
        assertThatThrownBy(() -> settings(with("http://ehr.example.org/fhir", "http://10.0.0.7/oauth2/token")).validate())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("portal-sync.source.fhir.base-url='http://ehr.example.org/fhir' is invalid: expected an https:// URL")
                .hasMessageContaining("portal-sync.source.fhir.auth.token-url='http://10.0.0.7/oauth2/token' is invalid")
                .hasMessageContaining("portal-sync.source.fhir.allow-insecure-http=true");
    }

    @Test
    void anExplicitSettingAllowsPlainHttpToASandboxOnAnotherHost() {
        Map<String, String> values = with("http://ehr:8080/fhir", "");
        values.put(PortalSyncSettings.FHIR_ALLOW_INSECURE_HTTP, "true");

        assertThat(settings(values).validate().fhirBaseUrl()).isEqualTo("http://ehr:8080/fhir");
    }

    @Test
    void httpsNeedsNoSetting() {
        settings(with("https://ehr.example.org/fhir", "https://auth.example.org/token")).validate();
    }

    @Test
    void aBaseUrlThatIsNoHttpUrlIsRefused() {
        assertThatThrownBy(() -> settings(with("ehr.example.org/fhir", "")).validate())
                .hasMessageContaining("portal-sync.source.fhir.base-url='ehr.example.org/fhir' is invalid: expected an absolute URL");
    }
}
