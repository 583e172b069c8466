package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.slf4j.LoggerFactory;

/**
 * A slow EHR must not start a second poll of the same feed: triggers that fire while a poll runs
 * are skipped and logged once. The EHR is slowed by a proxy in front of the real sandbox.
 */
class OnePollAtATimeIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String FIRST_PAGE = "_sort=_lastUpdated";

    private FaultInjectingProxy proxy;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger pollLog = (Logger) LoggerFactory.getLogger("portal-sync.poll");

    @BeforeEach
    void start() {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        logs.start();
        pollLog.addAppender(logs);
    }

    @AfterEach
    void stop() {
        pollLog.detachAppender(logs);
        proxy.close();
    }

    private Map<String, String> settings(long seed) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "10");
        return settings;
    }

    private List<String> skipLines() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(line -> line.startsWith("Skipped a trigger")).toList();
    }

    @Test
    void triggersDuringARunningPollAreSkippedAndLoggedOnce() throws Exception {
        long seed = 7711;
        int patients = EHR.seedPatients(30, seed).size();
        try (TestEngine engine = TestEngine.start(settings(seed))) {
            proxy.delayAll(Duration.ofMillis(600));
            CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return engine.poll();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            awaitSearches(1);

            List<String> skipped = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                skipped.add(engine.poll());
            }
            String summary = (String) first.get();
            proxy.delayAll(Duration.ZERO);
            String afterwards = engine.poll();

            assertThat(skipped).allSatisfy(line -> assertThat(line).startsWith("Skipped a trigger of fhir-patient-poll"));
            assertThat(summary).contains(patients + " new");
            assertThat(afterwards).as("a trigger after the poll ended runs").startsWith("Synced");
            assertThat(skipLines()).as("logged once per running poll").hasSize(1);
            assertThat(proxy.requestLog().stream().filter(line -> line.contains(FIRST_PAGE)).count())
                    .as("the running poll and the one after it, nothing between").isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(patients);
        }
    }

    @Test
    void theSchedulerNeverRunsTwoPollsOfAFeedAtOnce() throws Exception {
        long seed = 7712;
        EHR.seedPatients(30, seed);
        Map<String, String> settings = settings(seed);
        // the shipped trigger with a short interval: a slow poll outlasts several intervals
        settings.remove(PortalSyncSettings.FHIR_POLL_TRIGGER);
        settings.put(PortalSyncSettings.FHIR_POLL_INTERVAL, "100");
        proxy.delayAll(Duration.ofMillis(400));
        try (TestEngine engine = TestEngine.start(settings)) {
            awaitSearches(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (proxy.requestLog().stream().filter(line -> line.contains(FIRST_PAGE)).count() < 3) {
                assertThat(System.nanoTime()).as("three polls within 60 s").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
        // a poll opens its search, then its deletion sweep (from the second poll on, once the sweep has a
        // mark); a search that started while another poll ran would come before that poll's sweep
        List<String> order = proxy.requestLog().stream()
                .filter(line -> line.contains(FIRST_PAGE) || line.contains("/_history?_since"))
                .map(line -> line.contains(FIRST_PAGE) ? "search" : "sweep").toList();
        assertThat(order.subList(1, order.size()).size()).isGreaterThanOrEqualTo(2);
        for (int i = 1; i < order.size(); i++) {
            assertThat(order.get(i)).as("request order " + order).isEqualTo(i % 2 == 1 ? "search" : "sweep");
        }
    }

    /** Waits for the first search of a poll (the engine reads the EHR's CapabilityStatement before). */
    private void awaitSearches(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (proxy.requestLog().stream().filter(line -> line.contains(FIRST_PAGE)).count() < count) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
