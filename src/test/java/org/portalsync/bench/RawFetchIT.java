package org.portalsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import com.nimbusds.jose.jwk.JWK;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.auth.TestKeys;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * The benchmark's raw fetch, the figure the engine is measured against, gets its token as the engine would: with the
 * client secret, or, for an EHR that takes backend services by private_key_jwt only, with the engine's key
 * ({@code -Dbench.private-key}); and it reads the seeded patients with it.
 */
class RawFetchIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @TempDir
    Path dir;

    @Test
    void theRawFetchAuthenticatesWithTheSecretOrWithAPrivateKeyAndReadsEveryPatient() throws Exception {
        long seed = 11144;
        int patients = 7;
        EHR.seedPatients(patients, seed);
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        assertThat(new RawFetch(settings).run(Long.MAX_VALUE)).as("with the client secret").isEqualTo(patients);

        String clientId = "bench-backend-" + seed + "-" + System.nanoTime();
        JWK key = TestKeys.ec("bench-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        settings.put(PortalSyncSettings.AUTH_CLIENT_ID, clientId);
        settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, "");
        settings.put(PortalSyncSettings.AUTH_PRIVATE_KEY_FILE, TestKeys.writeJwks(dir.resolve("keys.json"), key).toString());
        settings.put(PortalSyncSettings.AUTH_KEY_ID, "bench-1");

        assertThat(new RawFetch(settings).run(Long.MAX_VALUE)).as("with private_key_jwt").isEqualTo(patients);
        assertThat(EHR.acceptedAssertions(clientId)).singleElement().satisfies(assertion -> {
            assertThat(assertion.keyId()).isEqualTo("bench-1");
            assertThat(assertion.algorithm()).isEqualTo("ES384");
            assertThat(assertion.scope()).isEqualTo("system/Patient.read");
        });
    }
}
