package org.portalsync.webhook;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the catch-ups FHIR Subscriptions asked for ({@link FhirSubscriptions}): each resource type's poll
 * once for all catch-ups due, now. A poll that is running already, or that another instance of the
 * cluster runs, leaves the catch-up due for the next check; a poll that ran records its summary.
 */
public final class RunSubscriptionCatchUps implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RunSubscriptionCatchUps.class);

    private final PortalDatabase database;
    private final FhirSubscriptions subscriptions;
    private final RunPollNow polls;
    private final Duration stale;
    private final Clock clock;

    public RunSubscriptionCatchUps(PortalDatabase database, FhirSubscriptions subscriptions, RunPollNow polls, Duration stale, Clock clock) {
        this.database = database;
        this.subscriptions = subscriptions;
        this.polls = polls;
        this.stale = stale;
        this.clock = clock;
    }

    @Override
    public synchronized void process(Exchange exchange) throws Exception {
        Optional<FhirSubscriptions.DueCatchUp> due = subscriptions.claimDue(database, stale, clock.instant());
        if (due.isEmpty()) {
            return;
        }
        List<String> outcomes = new ArrayList<>();
        boolean finished = true;
        for (String type : due.get().resourceTypes()) {
            RunPollNow.Run run = polls.run(type);
            outcomes.add(run.summary());
            finished &= run.result() != RunPollNow.Result.SKIPPED && run.result() != RunPollNow.Result.ELSEWHERE;
        }
        String outcome = String.join("; ", outcomes);
        subscriptions.end(database, due.get(), finished, outcome, clock.instant());
        LOG.info("Catch-up for {} Subscription notification gap(s): {}{}", due.get().ids().size(), outcome,
                finished ? "" : " (to run again at the next check)");
    }
}
