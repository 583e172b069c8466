package org.portalsync.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First step of every scheduled feed: a trigger that finds the previous run of the same route still
 * going is skipped, so a slow EHR or a large first load never has two polls of one feed re-reading
 * the same records. Camel's scheduler hands a poll that goes asynchronous (parallel split, delayed
 * redelivery) back to its thread and fires again after the delay; a cron trigger fires on the clock.
 * The skip is logged once per running poll. Cluster-wide exclusion is the master component's job;
 * this guards one process, so its state may live in memory.
 */
public final class SkipOverlappingPoll implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.poll");

    /** Route id to the start of its running poll and whether a skip was logged for it. */
    private final Map<String, RunningPoll> running = new ConcurrentHashMap<>();
    private final Clock clock;

    private static final class RunningPoll {
        final Instant startedAt;
        volatile boolean skipLogged;

        RunningPoll(Instant startedAt) {
            this.startedAt = startedAt;
        }
    }

    public SkipOverlappingPoll(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String routeId = exchange.getFromRouteId();
        RunningPoll mine = new RunningPoll(clock.instant());
        RunningPoll current = running.putIfAbsent(routeId, mine);
        if (current != null) {
            String skipped = "Skipped a trigger of " + routeId + ": its previous poll, started "
                    + Duration.between(current.startedAt, clock.instant()).toSeconds() + " s ago, is still running";
            if (!current.skipLogged) {
                current.skipLogged = true;
                LOG.info("{} (further skips are not logged until it ends)", skipped);
            }
            exchange.getMessage().setBody(skipped);
            exchange.setRouteStop(true);
            return;
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                running.remove(routeId, mine);
            }
        });
    }
}
