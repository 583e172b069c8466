package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;

/**
 * Requests to the EHR are throttled per source by Camel's throttle EIP, counted over the throttle window. With 18
 * requests per minute counted over 10 s windows (3 per window) and 5 pages, the fifth page cannot be asked for before
 * the first window is over; one page is fetched ahead of the throttle, so at most 4 requests fall in the first window.
 */
class FhirPollThrottleIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void aPollNeverExceedsTheRequestsItsThrottleWindowAllows() throws Exception {
        long seed = 9501;
        EHR.seedPatients(25, seed);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "5");
        settings.put(PortalSyncSettings.FHIR_REQUESTS_PER_MINUTE, "18");
        settings.put(PortalSyncSettings.FHIR_THROTTLE_WINDOW, "10s");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();

            List<Instant> searches = engine.rows(
                    "SELECT occurred_at FROM audit_event WHERE action = 'Patient.search' AND result = 'success' ORDER BY occurred_at")
                    .stream().map(row -> ((OffsetDateTime) row.get("occurred_at")).toInstant()).toList();
            assertThat(searches).hasSize(5);
            Instant first = searches.get(0);
            // counted over the 10 s window, not over a minute: 3 a minute would keep the fifth page for a minute
            assertThat(Duration.between(first, searches.get(4))).isGreaterThanOrEqualTo(Duration.ofMillis(9_500)).isLessThan(Duration.ofSeconds(30));
            assertThat(searches.stream().filter(at -> Duration.between(first, at).compareTo(Duration.ofMillis(9_500)) < 0))
                    .hasSizeLessThanOrEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")
                    + engine.count("SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE")).isEqualTo(25);
        }
    }
}
