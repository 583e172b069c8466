package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.SyncInitialLoads;
import org.portalsync.portal.TestDatabases;

/** The insurance and appointment polls wait for the patients' initial load, boundedly, and only while it runs. */
class WaitForPatientInitialLoadIT {

    private static final String SOURCE = "ehr-main";
    private static final Duration MAX_WAIT = Duration.ofMinutes(30);

    private PortalDatabase database;
    private SyncInitialLoads loads;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-03-02T09:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @BeforeEach
    void openDatabase() {
        database = TestDatabases.fresh("h2");
        loads = new SyncInitialLoads(database, clock);
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    @Test
    void aPollBeforeAnyPatientPollGoesAhead() {
        assertThat(stopped(new WaitForPatientInitialLoad(SOURCE, loads, MAX_WAIT, clock), "fhir-appointment-poll")).isFalse();
    }

    @Test
    void whileThePatientsLoadRunsTheTriggersAreSkippedThenTheyGoAheadOnceItIsOver() {
        WaitForPatientInitialLoad wait = new WaitForPatientInitialLoad(SOURCE, loads, MAX_WAIT, clock);
        loads.begin(SOURCE, "Patient");
        assertThat(stopped(wait, "fhir-coverage-poll")).isTrue();
        now.set(now.get().plusSeconds(60));
        assertThat(stopped(wait, "fhir-coverage-poll")).isTrue();
        assertThat(stopped(wait, "fhir-appointment-poll")).isTrue();
        // another source's patients are not this source's
        assertThat(stopped(new WaitForPatientInitialLoad("other-ehr", loads, MAX_WAIT, clock), "fhir-coverage-poll")).isFalse();

        loads.complete(SOURCE, "Patient");
        assertThat(stopped(wait, "fhir-coverage-poll")).isFalse();
        assertThat(stopped(wait, "fhir-appointment-poll")).isFalse();
    }

    @Test
    void aLoadThatNeverEndsHoldsTheOtherFeedsForTheLongestWaitOnly() {
        WaitForPatientInitialLoad wait = new WaitForPatientInitialLoad(SOURCE, loads, MAX_WAIT, clock);
        loads.begin(SOURCE, "Patient");
        assertThat(stopped(wait, "fhir-coverage-poll")).isTrue();
        now.set(now.get().plus(MAX_WAIT).minusSeconds(1));
        assertThat(stopped(wait, "fhir-coverage-poll")).isTrue();
        now.set(now.get().plusSeconds(1));
        assertThat(stopped(wait, "fhir-coverage-poll")).isFalse();
        now.set(now.get().plusSeconds(300));
        assertThat(stopped(wait, "fhir-coverage-poll")).isFalse();
        // the appointment poll started waiting later: it has its own bound
        assertThat(stopped(wait, "fhir-appointment-poll")).isTrue();
    }

    @Test
    void zeroTurnsTheWaitOff() {
        loads.begin(SOURCE, "Patient");
        assertThat(stopped(new WaitForPatientInitialLoad(SOURCE, loads, Duration.ZERO, clock), "fhir-coverage-poll")).isFalse();
    }

    private static boolean stopped(WaitForPatientInitialLoad wait, String routeId) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getExchangeExtension().setFromRouteId(routeId);
        wait.process(exchange);
        return exchange.isRouteStop();
    }
}
