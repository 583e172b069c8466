package org.portalsync.webhook;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;

/**
 * Asks for a catch-up for each FHIR Subscription that sent nothing, not even a heartbeat, for
 * {@code heartbeat-misses} heartbeat periods: its notifications may be lost at the EHR's end.
 */
public final class FindSilentSubscriptions implements Processor {

    private final PortalDatabase database;
    private final FhirSubscriptions subscriptions;
    private final Duration silence;
    private final Clock clock;

    public FindSilentSubscriptions(PortalDatabase database, FhirSubscriptions subscriptions, Duration heartbeatPeriod, int misses, Clock clock) {
        this.database = database;
        this.subscriptions = subscriptions;
        this.silence = heartbeatPeriod.multipliedBy(misses);
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        subscriptions.findSilent(database, silence, clock.instant());
    }
}
