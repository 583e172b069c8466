package org.portalsync.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncInitialLoads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step of a poll whose records name patients (insurance, appointments): while the patients' initial
 * load is running, its triggers are skipped. Run side by side, each of its records whose patient has
 * not arrived yet would fetch that patient on its own, one request each, and all polls would share
 * the sync workers; after the load they find the patients in the portal. The wait is bounded
 * ({@code portal-sync.sync.dependent-feed-wait}), so a patient load stuck on a failing page never
 * stops the other feeds for good. Before any patient poll (a source that is not polled) nothing waits.
 */
public final class WaitForPatientInitialLoad implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.poll");
    static final String PATIENT_FEED = "Patient";

    private final String source;
    private final SyncInitialLoads initialLoads;
    private final Duration maxWait;
    private final Clock clock;
    /** Route id to when it first found the patients' load running, in this process. */
    private final Map<String, Instant> waitingSince = new ConcurrentHashMap<>();
    /** Routes that waited their longest and went ahead (logged once). */
    private final Set<String> gaveUp = ConcurrentHashMap.newKeySet();

    public WaitForPatientInitialLoad(String source, SyncInitialLoads initialLoads, Duration maxWait, Clock clock) {
        this.source = source;
        this.initialLoads = initialLoads;
        this.maxWait = maxWait;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String routeId = exchange.getFromRouteId();
        if (maxWait.isZero() || !initialLoads.inProgress(source, PATIENT_FEED)) {
            gaveUp.remove(routeId);
            if (waitingSince.remove(routeId) != null) {
                LOG.info("{} goes ahead: the patients' initial load is over", routeId);
            }
            return;
        }
        Instant now = clock.instant();
        Instant since = waitingSince.computeIfAbsent(routeId, route -> {
            LOG.info("{} waits for the patients' initial load (at most {})", route, maxWait);
            return now;
        });
        if (Duration.between(since, now).compareTo(maxWait) >= 0) {
            if (gaveUp.add(routeId)) {
                LOG.warn("{} goes ahead after waiting {} for the patients' initial load, which is still running", routeId, maxWait);
            }
            return;
        }
        exchange.getMessage().setBody(routeId + " waits for the patients' initial load");
        exchange.setRouteStop(true);
    }
}
