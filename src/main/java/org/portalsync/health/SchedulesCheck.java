package org.portalsync.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.master.MasterConsumer;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: the scheduled polls run. Each poll route that should run has started, and, on the instance
 * that leads it (camel-master), its last poll ended no more than {@code maxMissed} poll intervals ago
 * (counted from the engine's start until the first poll ends). A poll triggered on request (a dry run,
 * tests) has no schedule to miss; an instance that stands by for another's leadership has none either.
 */
public final class SchedulesCheck extends AbstractHealthCheck {

    private final List<String> pollRoutes;
    private final PollHistory history;
    private final Duration interval;
    private final int maxMissed;
    private final Clock clock;
    private final Instant startedAt;

    public SchedulesCheck(List<String> pollRoutes, PollHistory history, Duration interval, int maxMissed, Clock clock) {
        super(EhrChecks.GROUP, "schedules");
        this.pollRoutes = List.copyOf(pollRoutes);
        this.history = history;
        this.interval = interval;
        this.maxMissed = maxMissed;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Instant now = clock.instant();
        Duration allowed = interval.multipliedBy(maxMissed);
        List<String> problems = new ArrayList<>();
        Map<String, Object> details = new LinkedHashMap<>();
        for (String routeId : pollRoutes) {
            Route route = getCamelContext().getRoute(routeId);
            if (route == null || !route.isAutoStartup()) {
                details.put(routeId, "off");
                continue;
            }
            ServiceStatus status = getCamelContext().getRouteController().getRouteStatus(routeId);
            if (status != ServiceStatus.Started) {
                problems.add(routeId + " is " + status);
                details.put(routeId, String.valueOf(status).toLowerCase(java.util.Locale.ROOT));
                continue;
            }
            String uri = route.getEndpoint().getEndpointUri();
            if (uri.startsWith("direct:")) {
                details.put(routeId, "on request");
                continue;
            }
            if (route.getConsumer() instanceof MasterConsumer master && !master.isMaster()) {
                details.put(routeId, "standby (another instance leads it)");
                continue;
            }
            Instant last = history.lastFinished(routeId).orElse(startedAt);
            details.put(routeId, history.lastFinished(routeId).map(at -> "last poll ended " + at).orElse("no poll ended yet"));
            if (Duration.between(last, now).compareTo(allowed) > 0) {
                problems.add(routeId + ": " + history.lastFinished(routeId).map(at -> "last poll ended " + at).orElse("no poll ended since "
                        + startedAt) + ", more than " + maxMissed + " poll intervals (" + interval + " each) ago");
            }
        }
        builder.details(details);
        if (problems.isEmpty()) {
            builder.up();
        } else {
            builder.down().message(String.join("; ", problems));
        }
    }
}
