package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * Each way the EHR can fail a poll ends in an alert row whose kind names the cause and whose severity says
 * whether IT is told at once: the faults come from the proxy in front of the real sandbox.
 */
class AlertCauseIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String SEARCH = "/fhir/Patient";

    static Stream<Arguments> faults() {
        return Stream.of(
                Arguments.of(10501L, "refused connections", (Consumer<FaultInjectingProxy>) FaultInjectingProxy::down, "EHR_DOWN", "CRITICAL"),
                Arguments.of(10502L, "503 Service Unavailable", fault(proxy -> proxy.failEvery(503, SEARCH)), "EHR_DOWN", "CRITICAL"),
                Arguments.of(10503L, "500 Internal Server Error", fault(proxy -> proxy.failEvery(500, SEARCH)), "EHR_SERVER_ERROR", "WARNING"),
                // a Retry-After longer than max-retry-after is not waited out: the budget is used up
                Arguments.of(10504L, "429 with a long Retry-After", fault(proxy -> proxy.rateLimitNext(100, 3_600, SEARCH)),
                        "EHR_RATE_LIMITED", "WARNING"),
                Arguments.of(10505L, "401 even with a fresh token", fault(proxy -> proxy.failEvery(401, SEARCH)), "AUTH_FAILURE", "CRITICAL"));
    }

    private static Consumer<FaultInjectingProxy> fault(Consumer<FaultInjectingProxy> fault) {
        return fault;
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("faults")
    void aFailedPollRaisesAnAlertNamingItsCause(long seed, String fault, Consumer<FaultInjectingProxy> inject, String kind, String severity)
            throws Exception {
        EHR.seedPatients(3, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
            settings.put(PortalSyncSettings.FHIR_MAX_RETRY_AFTER, "2s");
            try (TestEngine engine = TestEngine.start(settings)) {
                inject.accept(proxy);

                assertThat(engine.poll()).contains("poll stopped early: " + kind);

                assertThat(engine.rows("SELECT kind, severity, source FROM alert")).singleElement().satisfies(alert -> assertThat(alert)
                        .containsEntry("kind", kind).containsEntry("severity", severity).containsEntry("source", "ehr"));
            }
        }
    }
}
