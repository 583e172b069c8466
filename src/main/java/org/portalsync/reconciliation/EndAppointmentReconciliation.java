package org.portalsync.reconciliation;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a run however it ended (the route's {@code doFinally}): one that failed before its finish is marked failed
 * with the failure's type (never its text: it may quote a value), and the next run may start, also a retry of this one.
 */
public final class EndAppointmentReconciliation implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.reconciliation");

    private final ReconciliationStore runs;
    private final Clock clock;
    private final AtomicBoolean running;

    public EndAppointmentReconciliation(ReconciliationStore runs, Clock clock, AtomicBoolean running) {
        this.runs = runs;
        this.clock = clock;
        this.running = running;
    }

    @Override
    public void process(Exchange exchange) {
        try {
            AppointmentReconciliation run = AppointmentReconciliation.of(exchange);
            if (!run.finished) {
                Exception failure = exchange.getException() != null ? exchange.getException()
                        : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
                String type = failure == null ? "ended before it finished" : failure.getClass().getName();
                runs.finish(run.runId, FinishAppointmentReconciliation.counts(run, 0), type, clock.instant());
                run.finished = true;
                LOG.warn("Appointment reconciliation run {} failed: {}", run.runId, type);
            }
        } finally {
            running.set(false);
        }
    }
}
