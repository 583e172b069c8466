package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.util.Map;

import com.nimbusds.jose.jwk.JWK;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.auth.TestKeys;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/** The real engine as a SMART backend service: private_key_jwt, the token endpoint found in .well-known/smart-configuration. */
class SmartBackendServicesIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @TempDir
    Path dir;

    private TestEngine engine;

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    /** Settings of an engine that authenticates with private_key_jwt and finds the token endpoint itself. */
    private Map<String, String> settings(long seed, String clientId, Path keyFile) {
        Map<String, String> settings = TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed);
        settings.remove(PortalSyncSettings.AUTH_CLIENT_SECRET);
        settings.put(PortalSyncSettings.AUTH_TOKEN_URL, "");
        settings.put(PortalSyncSettings.AUTH_CLIENT_ID, clientId);
        settings.put(PortalSyncSettings.AUTH_METHOD, "private_key_jwt");
        settings.put(PortalSyncSettings.AUTH_PRIVATE_KEY_FILE, keyFile.toString());
        return settings;
    }

    @Test
    void pollsWithPrivateKeyJwtAtTheTokenEndpointTheEhrNames() throws Exception {
        int count = 40;
        EHR.seedPatients(count, 9901);
        long rejected = rejectedBySeed(9901, count);
        JWK key = TestKeys.ec("engine-2026");
        String clientId = "portal-sync-backend-" + System.nanoTime();
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        engine = TestEngine.start(settings(9901, clientId, TestKeys.writeJwks(dir.resolve("engine-key.json"), key)));

        String summary = engine.poll();

        assertThat(summary).startsWith("Synced " + (count - rejected) + " patients");
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(count - rejected);
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'SmartConfiguration.read' AND result = 'success'"))
                .isEqualTo(1);
        assertThat(engine.rows("SELECT DISTINCT resource FROM audit_event WHERE action = 'OAuth2.token'"))
                .containsExactly(Map.of("resource", EHR.tokenUrl()));
        assertThat(EHR.acceptedAssertions(clientId)).isNotEmpty()
                .allSatisfy(assertion -> assertThat(assertion.algorithm()).isEqualTo("ES384"));
    }

    @Test
    void anEhrThatNamesNoTokenEndpointStopsStartUpSayingWhatToSet() {
        JWK key = TestKeys.rsa("engine-1");
        Map<String, String> settings;
        try {
            settings = settings(9902, "portal-sync", TestKeys.writeJwks(dir.resolve("engine-key.json"), key));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        // a base URL under which nothing answers: no .well-known/smart-configuration either
        settings.put(PortalSyncSettings.FHIR_BASE_URL, EHR.fhirBaseUrl().replace("/fhir", "/no-fhir-here"));

        Throwable error = catchThrowable(() -> engine = TestEngine.start(settings));

        assertThat(messages(error)).contains("no token endpoint").contains("/no-fhir-here/.well-known/smart-configuration")
                .contains("HTTP 404").contains("portal-sync.source.fhir.auth.token-url");
    }

    @Test
    void aKeyTheEhrDoesNotKnowIsAnAuthenticationFailureAlertNamingTheKid() throws Exception {
        EHR.seedPatients(5, 9903);
        JWK registered = TestKeys.rsa("engine-1");
        JWK unregistered = TestKeys.rsa("engine-2");
        String clientId = "portal-sync-backend-" + System.nanoTime();
        EHR.registerBackendService(clientId, TestKeys.publicJwks(registered));
        engine = TestEngine.start(settings(9903, clientId, TestKeys.writeJwks(dir.resolve("engine-key.json"), unregistered)));

        String summary = engine.poll();

        assertThat(summary).contains("poll stopped early: AUTH_FAILURE");
        String message = (String) engine.rows("SELECT kind, message FROM alert WHERE kind = 'AUTH_FAILURE'").get(0).get("message");
        assertThat(message).contains("private_key_jwt").contains("invalid_client").contains("kid 'engine-2'")
                .doesNotContain(unregistered.toJSONObject().get("d").toString());
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
    }

    private static long rejectedBySeed(long seed, int count) {
        SandboxPatientGenerator generator = new SandboxPatientGenerator(seed);
        long rejected = 0;
        for (int i = 0; i < count; i++) {
            if (SandboxPatientGenerator.defectOf(generator.next()) == SandboxPatientGenerator.Defect.NO_NAME) {
                rejected++;
            }
        }
        return rejected;
    }

    private static String messages(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null && t != t.getCause(); t = t.getCause()) {
            text.append(t.getMessage()).append('\n');
        }
        return text.toString();
    }
}
