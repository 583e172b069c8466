package org.portalsync.api;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.reconciliation.ReconciliationStore;

/**
 * Answers {@code GET /api/v1/reconciliation/appointments/latest} (and a run started by {@code POST .../runs}): the
 * latest run's window, status and counts, with each of its rows. The rows hold appointment values (PHI), so the scope
 * is the operators' {@code reconciliation:read}, which a portal client does not get. 404 before the first run.
 */
public final class ShowAppointmentReconciliation implements Processor {

    private final ReconciliationStore runs;
    private final String source;

    public ShowAppointmentReconciliation(ReconciliationStore runs, String source) {
        this.runs = runs;
        this.source = source;
    }

    @Override
    public void process(Exchange exchange) {
        ApiQuery.of(exchange, Set.of());
        Optional<Map<String, Object>> latest = runs.latest(source);
        if (latest.isEmpty()) {
            ApiResponses.error(exchange, 404, "not_found", "No appointment reconciliation has run yet.");
            return;
        }
        ApiResponses.json(exchange, 200, latest.get());
    }
}
