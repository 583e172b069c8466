package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;

/**
 * Two engines on one portal database and one cluster lock: only the leader polls (Camel's master
 * component with a file lock); when it stops, the other takes over.
 */
class SingleLeaderPollIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @Test
    void onlyOneInstancePollsAndTheOtherTakesOverWhenItStops() throws Exception {
        long seed = 8181;
        EHR.seedPatients(5, seed);
        Map<String, String> shared = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        shared.remove(PortalSyncSettings.FHIR_POLL_TRIGGER);
        shared.put(PortalSyncSettings.FHIR_POLL_INTERVAL, "300");
        Map<String, String> first = new HashMap<>(shared);
        first.put(PortalSyncSettings.AUDIT_ACTOR, "instance_a");
        Map<String, String> second = new HashMap<>(shared);
        second.put(PortalSyncSettings.AUDIT_ACTOR, "instance_b");

        TestEngine a = TestEngine.start(first);
        try (TestEngine b = TestEngine.start(second)) {
            awaitSearchesBy(b, List.of("instance_a", "instance_b"), 3);
            Thread.sleep(3_000);
            List<String> pollers = actors(b);
            assertThat(pollers).as("one leader at a time").hasSize(1);
            assertThat(b.count("SELECT COUNT(*) FROM portal_patient")).isPositive();

            String leader = pollers.get(0);
            String follower = leader.equals("instance_a") ? "instance_b" : "instance_a";
            TestEngine survivor = leader.equals("instance_a") ? b : a;
            (leader.equals("instance_a") ? a : b).close();

            awaitSearchesBy(survivor, List.of(follower), 1);
            assertThat(actors(survivor)).contains(follower);
        } finally {
            a.close();
        }
    }

    private static List<String> actors(TestEngine engine) throws Exception {
        return engine.rows("SELECT DISTINCT actor FROM audit_event WHERE action = 'Patient.search'").stream()
                .map(row -> (String) row.get("actor")).toList();
    }

    private static void awaitSearchesBy(TestEngine engine, List<String> actors, int searches) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String in = String.join("','", actors);
        while (engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.search' AND actor IN ('" + in + "')") < searches) {
            assertThat(System.nanoTime()).as("searches by " + actors + " within 60 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
