package org.portalsync.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.portalsync.alert.SettableClock;

class SchedulesCheckTest {

    @Test
    void aScheduledPollThatHasNotEndedForMoreThanItsMissedIntervalsIsDownAndAStoppedOneToo() throws Exception {
        SettableClock clock = new SettableClock(Instant.parse("2026-03-02T08:00:00Z"));
        PollHistory history = new PollHistory();
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("scheduler:fhir-patient-poll?delay=3600000&initialDelay=3600000").routeId("fhir-patient-poll").log("poll");
                    from("direct:fhir-coverage-poll-now").routeId("fhir-coverage-poll").log("poll");
                }
            });
            camel.start();
            SchedulesCheck check = new SchedulesCheck(List.of("fhir-patient-poll", "fhir-coverage-poll", "fhir-appointment-poll"), history,
                    Duration.ofMinutes(5), 3, clock);
            check.setCamelContext(camel);

            clock.advance(Duration.ofMinutes(14));
            assertThat(check.call().getState()).as("within 3 intervals of the start").isEqualTo(HealthCheck.State.UP);

            clock.advance(Duration.ofMinutes(2));
            HealthCheck.Result missed = check.call();
            assertThat(missed.getState()).isEqualTo(HealthCheck.State.DOWN);
            assertThat(missed.getMessage()).hasValueSatisfying(message -> assertThat(message).startsWith("fhir-patient-poll: no poll ended since")
                    .contains("more than 3 poll intervals").doesNotContain("coverage"));

            history.finished("fhir-patient-poll", clock.instant());
            assertThat(check.call().getState()).isEqualTo(HealthCheck.State.UP);
            assertThat(check.call().getDetails()).containsEntry("fhir-coverage-poll", "on request")
                    .containsEntry("fhir-appointment-poll", "off");

            camel.getRouteController().stopRoute("fhir-patient-poll");
            assertThat(check.call(Map.of()).getMessage()).hasValue("fhir-patient-poll is Stopped");
        }
    }
}
