package org.portalsync.reconciliation;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.authority.AuthorityField;
import org.portalsync.portal.PortalDatabase;

/**
 * Runs after the appointments with deferred fields were re-synced in full: records, per field, the value the
 * portal had and the one it has now (kind {@code deferred-applied}). A re-sync that failed leaves the field
 * deferred: the next run takes it up again.
 */
public final class RecordDeferredFieldsApplied implements Processor {

    private final PortalDatabase database;
    private final PortalAppointmentStore appointments;
    private final ReconciliationStore runs;

    public RecordDeferredFieldsApplied(PortalDatabase database, PortalAppointmentStore appointments, ReconciliationStore runs) {
        this.database = database;
        this.appointments = appointments;
        this.runs = runs;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        AppointmentReconciliation run = AppointmentReconciliation.of(exchange);
        if (run.deferredBefore.isEmpty()) {
            return;
        }
        List<StoredAppointment> now = database.inTransaction(connection -> appointments.find(connection, run.source, run.deferredBefore.keySet()));
        List<Discrepancy> applied = new ArrayList<>();
        for (StoredAppointment after : now) {
            StoredAppointment before = run.deferredBefore.get(after.sourceId());
            for (String name : run.deferredFields.getOrDefault(after.sourceId(), List.of())) {
                AuthorityField field = AuthorityField.byName(AuthorityField.Entity.APPOINTMENT, name).orElse(null);
                if (field != null && !Objects.equals(before.details().get(field), after.details().get(field))) {
                    applied.add(new Discrepancy(after.sourceId(), after.id(), DiscrepancyKind.DEFERRED_APPLIED, name,
                            AppointmentValues.display(after.details().get(field), after.details().zone()),
                            AppointmentValues.display(before.details().get(field), before.details().zone()), false, null));
                }
            }
        }
        runs.record(run.runId, applied);
        run.deferredApplied = applied.size();
    }
}
