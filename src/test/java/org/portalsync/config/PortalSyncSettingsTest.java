package org.portalsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class PortalSyncSettingsTest {

    private static PortalSyncSettings settings(Map<String, String> values) {
        return new PortalSyncSettings(key -> Optional.ofNullable(values.get(key)), "config/application.properties");
    }

    @Test
    void defaultsApplyAndDurationsAcceptBothForms() {
        Map<String, String> values = new HashMap<>(Map.of(PortalSyncSettings.FHIR_BASE_URL, "https://ehr.example.org/fhir/"));
        values.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, "urn:oid:2.16.840.1.113883.3.4424.1");
        values.put(PortalSyncSettings.FHIR_READ_TIMEOUT, "PT45S");
        PortalSyncSettings settings = settings(values).validate();

        assertThat(settings.fhirBaseUrl()).isEqualTo("https://ehr.example.org/fhir");
        assertThat(settings.pageSize()).isEqualTo(50);
        assertThat(settings.duration(PortalSyncSettings.FHIR_POLL_INTERVAL)).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.readTimeout()).isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void reportsEveryMistakeAtOnceNamingFileKeyAndValue() {
        Map<String, String> values = Map.of(
                PortalSyncSettings.FHIR_PAGE_SIZE, "fifty",
                PortalSyncSettings.FHIR_ZONE, "Mars/Olympus",
                PortalSyncSettings.FHIR_POLL_OVERLAP, "soon",
                PortalSyncSettings.AUTH_METHOD, "tls_client_auth");

        assertThatThrownBy(() -> settings(values).validate())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("config/application.properties")
                .hasMessageContaining("portal-sync.source.fhir.base-url is required")
                .hasMessageContaining("portal-sync.mapping.mrn-system is required")
                .hasMessageContaining("portal-sync.source.fhir.page-size='fifty' is invalid: expected a whole number")
                .hasMessageContaining("portal-sync.source.fhir.zone='Mars/Olympus' is invalid")
                .hasMessageContaining("portal-sync.source.fhir.poll-overlap='soon' is invalid: expected a duration")
                .hasMessageContaining("portal-sync.source.fhir.auth.method='tls_client_auth'");
    }

    @Test
    void theThrottleWindowScalesTheMinutesBudgetDownAndRefusesAWindowTooShortForOneRequest() {
        Map<String, String> values = new HashMap<>(Map.of(PortalSyncSettings.FHIR_BASE_URL, "https://ehr.example.org/fhir",
                PortalSyncSettings.MAPPING_MRN_SYSTEM, "urn:oid:2.16.840.1.113883.3.4424.1"));
        assertThat(settings(values).validate().requestsPerThrottleWindow()).isEqualTo(600);

        values.put(PortalSyncSettings.FHIR_THROTTLE_WINDOW, "1s");
        assertThat(settings(values).validate().requestsPerThrottleWindow()).isEqualTo(10);

        // 100 a minute over 1 s windows is 1.67 a second: rounded down, never over the minute's budget
        values.put(PortalSyncSettings.FHIR_REQUESTS_PER_MINUTE, "100");
        assertThat(settings(values).validate().requestsPerThrottleWindow()).isEqualTo(1);

        values.put(PortalSyncSettings.FHIR_REQUESTS_PER_MINUTE, "3");
        assertThatThrownBy(() -> settings(values).validate())
                .hasMessageContaining("portal-sync.source.fhir.throttle-window='1s' is invalid: expected a window in which "
                        + "portal-sync.source.fhir.requests-per-minute (3) allows at least one request: at least 20000ms");

        values.put(PortalSyncSettings.FHIR_THROTTLE_WINDOW, "soon");
        assertThatThrownBy(() -> settings(values).validate())
                .hasMessageContaining("portal-sync.source.fhir.throttle-window='soon' is invalid: expected a duration such as 1s, 10s or 1m");
    }

    @Test
    void anInboxRetentionShorterThanADayOrTheWebhookMaxAgeIsRefused() {
        Map<String, String> values = new HashMap<>(Map.of(PortalSyncSettings.FHIR_BASE_URL, "https://ehr.example.org/fhir",
                PortalSyncSettings.MAPPING_MRN_SYSTEM, "urn:oid:2.16.840.1.113883.3.4424.1"));
        assertThat(settings(values).validate().inboxRetention()).isEqualTo(Duration.ofDays(30));

        values.put(PortalSyncSettings.RETENTION_INBOX, "12h");
        assertThatThrownBy(() -> settings(values).validate())
                .hasMessageContaining("portal-sync.retention.inbox='12h' is invalid: expected at least 1d and longer than portal-sync.webhook.max-age");

        values.put(PortalSyncSettings.RETENTION_INBOX, "2d");
        values.put(PortalSyncSettings.WEBHOOK_MAX_AGE, "3d");
        assertThatThrownBy(() -> settings(values).validate()).hasMessageContaining("portal-sync.retention.inbox='2d' is invalid");
    }

    @Test
    void relativePathsResolveAgainstTheHomeNotTheWorkingDirectory() {
        Path home = Path.of("/srv/portal-sync");
        Map<String, String> values = new HashMap<>(Map.of(PortalSyncSettings.HOME, home.toString()));
        PortalSyncSettings settings = settings(values);

        assertThat(settings.dbUrl()).isEqualTo("jdbc:h2:file:/srv/portal-sync/data/portal;AUTO_SERVER=TRUE");
        assertThat(settings.dryRunReportDir()).isEqualTo(home.resolve("data/reports"));
        assertThat(settings.clusterLockDir()).isEqualTo(home.resolve("data/cluster"));
        assertThat(settings.journalDir()).isEqualTo(home.resolve("data/journal"));

        values.put(PortalSyncSettings.DRY_RUN_REPORT_DIR, "/var/reports");
        assertThat(settings.dryRunReportDir()).isEqualTo(Path.of("/var/reports"));
        for (String unchanged : List.of("jdbc:h2:mem:portal", "jdbc:h2:file:/var/lib/portal;MODE=PostgreSQL",
                "jdbc:h2:tcp://db.example.org/./portal", "jdbc:postgresql://db.example.org:5432/portal")) {
            values.put(PortalSyncSettings.DB_URL, unchanged);
            assertThat(settings.dbUrl()).isEqualTo(unchanged);
        }
        values.put(PortalSyncSettings.DB_URL, "jdbc:h2:../shared/portal");
        assertThat(settings.dbUrl()).isEqualTo("jdbc:h2:/srv/shared/portal");
    }

    @Test
    void tokenUrlWithoutSecretIsRejectedWithoutEchoingSecrets() {
        Map<String, String> values = Map.of(
                PortalSyncSettings.FHIR_BASE_URL, "https://ehr/fhir",
                PortalSyncSettings.AUTH_TOKEN_URL, "https://ehr/token",
                PortalSyncSettings.AUTH_CLIENT_ID, "portal");
        assertThatThrownBy(() -> settings(values).validate())
                .hasMessageContaining("PORTAL_SYNC_SOURCE_FHIR_AUTH_CLIENT_SECRET");
    }

    @Test
    void writeBackNeedsAScopeThatLetsTheEngineUpdatePatients() {
        Map<String, String> values = new HashMap<>(Map.of(
                PortalSyncSettings.FHIR_BASE_URL, "https://ehr/fhir",
                PortalSyncSettings.MAPPING_MRN_SYSTEM, "urn:oid:1.2.3",
                PortalSyncSettings.AUTH_TOKEN_URL, "https://ehr/token",
                PortalSyncSettings.AUTH_CLIENT_ID, "portal",
                PortalSyncSettings.AUTH_CLIENT_SECRET, "s3cret-value",
                PortalSyncSettings.WRITE_BACK_ENABLED, "true"));
        assertThatThrownBy(() -> settings(values).validate())
                .hasMessageContaining("portal-sync.source.fhir.auth.scope='system/Patient.read system/Coverage.read "
                        + "system/Appointment.read system/Practitioner.read system/Location.read' is invalid")
                .hasMessageContaining("system/Patient.write");
        // with insurance on, its Coverages need a write scope too
        values.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write");
        assertThatThrownBy(() -> settings(values).validate()).hasMessageContaining("system/Coverage.write");
        for (String scope : new String[] {"system/Patient.write system/Coverage.write", "system/*.write", "system/*.cruds"}) {
            values.put(PortalSyncSettings.AUTH_SCOPE, scope);
            assertThat(settings(values).validate().writeBackEnabled()).as(scope).isTrue();
        }
        values.put(PortalSyncSettings.INSURANCE_ENABLED, "false");
        for (String scope : new String[] {"system/Patient.read system/Patient.write", "system/Patient.*", "system/*.write", "system/Patient.cruds",
                "system/Patient.u"}) {
            values.put(PortalSyncSettings.AUTH_SCOPE, scope);
            assertThat(settings(values).validate().writeBackEnabled()).as(scope).isTrue();
        }
        for (String scope : new String[] {"system/Patient.rs", "patient/Patient.write", "system/Observation.write"}) {
            values.put(PortalSyncSettings.AUTH_SCOPE, scope);
            assertThatThrownBy(() -> settings(values).validate()).as(scope).isInstanceOf(ConfigurationException.class);
        }
        // with write-back off, a read scope is all the engine asks for
        values.put(PortalSyncSettings.WRITE_BACK_ENABLED, "false");
        values.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read");
        assertThat(settings(values).validate().writeBackEnabled()).isFalse();
    }

    @Test
    void clientSecretCanComeFromAFile() throws IOException {
        Path file = Files.createTempFile("secret", ".txt");
        Files.writeString(file, "s3cr3t-value\n");
        PortalSyncSettings settings = settings(Map.of(PortalSyncSettings.AUTH_CLIENT_SECRET_FILE, file.toString()));
        assertThat(settings.clientSecret()).isEqualTo("s3cr3t-value");
    }

    @Test
    void secretsShowOnlyTheirLastFourCharacters() {
        assertThat(Secrets.redact("eyJhbGciOiJSUzI1NiJ9.payload.sig-WXYZ")).isEqualTo("****WXYZ").doesNotContain("eyJ");
        assertThat(Secrets.redact("short")).isEqualTo("****");
        assertThat(new Setting("portal-sync.db.url", "", "", false).environmentVariable()).isEqualTo("PORTAL_SYNC_DB_URL");
    }

    /** The README documents every key with its default; the shipped file uses only known keys. */
    @Test
    void everyKeyIsDocumentedAndTheShippedFileHoldsNoUnknownKey() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        for (Setting setting : PortalSyncSettings.KEYS) {
            Matcher row = Pattern.compile("\\|\\s*`" + Pattern.quote(setting.key()) + "`\\s*\\|([^|]*)\\|").matcher(readme);
            assertThat(row.find()).as("README row for " + setting.key()).isTrue();
            if (!setting.isRequired() && !setting.secret() && !setting.defaultValue().isEmpty()) {
                assertThat(row.group(1)).as("README default of " + setting.key()).contains(setting.defaultValue().replace("|", "\\|"));
            }
        }
        Properties shipped = new Properties();
        try (var reader = Files.newBufferedReader(Path.of("config/application.properties"))) {
            shipped.load(reader);
        }
        for (String key : shipped.stringPropertyNames()) {
            if (key.startsWith("portal-sync.")) {
                assertThat(PortalSyncSettings.KEYS).as("known key " + key).anyMatch(setting -> setting.key().equals(key));
                assertThat(PortalSyncSettings.KEYS.stream().filter(Setting::secret).map(Setting::key)).doesNotContain(key);
            }
        }
    }

    @Test
    void patientMessagesNameThePracticePhoneOrReadNaturallyWithoutOne() {
        assertThat(settings(Map.of(PortalSyncSettings.PRACTICE_PHONE, "(503) 555-0100")).patientMessage(PortalSyncSettings.MESSAGE_CHANGE_FAILED))
                .isEqualTo("We couldn't update your details. Please call our front desk at (503) 555-0100.");
        assertThat(settings(Map.of()).patientMessage(PortalSyncSettings.MESSAGE_CHANGE_FAILED))
                .isEqualTo("We couldn't update your details. Please call our front desk.");
        assertThat(settings(Map.of(PortalSyncSettings.MESSAGE_SLOT_TAKEN, "Taken. {practice-phone} can help.")).patientMessage(
                PortalSyncSettings.MESSAGE_SLOT_TAKEN)).isEqualTo("Taken. our front desk can help.");
        // no default message may show a patient the placeholder or an unfilled brace
        for (Setting setting : PortalSyncSettings.KEYS) {
            if (setting.key().startsWith("portal-sync.patient-message.")) {
                assertThat(settings(Map.of()).patientMessage(setting.key())).as(setting.key()).doesNotContain("{").doesNotContain("}");
            }
        }
    }
}
