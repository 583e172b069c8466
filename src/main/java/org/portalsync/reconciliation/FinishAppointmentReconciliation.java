package org.portalsync.reconciliation;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.appointment.MappedAppointment;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.authority.AuthorityField;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a run: marks repaired each repairable discrepancy the re-syncs corrected (the portal now agrees with the EHR),
 * writes the run's counts, and logs one summary line of counts, never a value. The summary is the body.
 */
public final class FinishAppointmentReconciliation implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.reconciliation");

    private final PortalDatabase database;
    private final PortalAppointmentStore appointments;
    private final ReconciliationStore runs;
    private final Clock clock;

    public FinishAppointmentReconciliation(PortalDatabase database, PortalAppointmentStore appointments, ReconciliationStore runs, Clock clock) {
        this.database = database;
        this.appointments = appointments;
        this.runs = runs;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        AppointmentReconciliation run = AppointmentReconciliation.of(exchange);
        List<Long> repaired = run.repair ? repaired(run) : List.of();
        runs.markRepaired(repaired);
        ReconciliationStore.Counts counts = counts(run, repaired.size());
        runs.finish(run.runId, counts, null, clock.instant());
        run.finished = true;
        String summary = String.format("Reconciled appointments from %s for %d days (%s): %d at the EHR, %d in the portal, %d unreadable;"
                + " %d missing in the portal, %d missing at the EHR, %d fields differ, %d patients differ; %d repaired, %d deferred fields applied",
                run.window.firstDay().format(DateTimeFormatter.ISO_LOCAL_DATE), run.window.days(), run.window.zone().getId(),
                counts.ehrAppointments(), counts.portalAppointments(), counts.unreadable(), counts.missingInPortal(), counts.missingInEhr(),
                counts.fieldDiffers(), counts.patientDiffers(), counts.repaired(), counts.deferredApplied());
        LOG.info("{} (run {})", summary, run.runId);
        exchange.getMessage().setBody(summary);
    }

    static ReconciliationStore.Counts counts(AppointmentReconciliation run, int repaired) {
        return new ReconciliationStore.Counts(run.inEhrWindow.size(), run.portalWindow.size(), run.unreadable.size(),
                (int) run.count(DiscrepancyKind.MISSING_IN_PORTAL), (int) run.count(DiscrepancyKind.MISSING_IN_EHR),
                (int) run.count(DiscrepancyKind.FIELD_DIFFERS), (int) run.count(DiscrepancyKind.PATIENT_DIFFERS), repaired, run.deferredApplied);
    }

    /** @return the ids of the repairable discrepancies the portal no longer has */
    private List<Long> repaired(AppointmentReconciliation run) {
        Set<String> ids = run.found.stream().filter(Discrepancy::repairable).map(Discrepancy::appointmentId).collect(Collectors.toSet());
        Map<String, StoredAppointment> now = new HashMap<>();
        Map<Long, String> patients = database.inTransaction(connection -> {
            appointments.find(connection, run.source, ids).forEach(row -> now.put(row.sourceId(), row));
            return runs.patientIds(connection, now.values().stream().map(StoredAppointment::patientId).toList());
        });
        List<Long> repaired = new ArrayList<>();
        for (int i = 0; i < run.found.size(); i++) {
            Discrepancy d = run.found.get(i);
            StoredAppointment portal = now.get(d.appointmentId());
            MappedAppointment ehr = run.ehr.get(d.appointmentId());
            boolean shows = portal != null && portal.deletedAt() == null;
            boolean corrected = d.repairable() && switch (d.kind()) {
                case MISSING_IN_PORTAL -> shows;
                case MISSING_IN_EHR -> portal != null && !shows;
                case PATIENT_DIFFERS -> shows && ehr != null && Objects.equals(patients.get(portal.patientId()), ehr.patientId());
                case FIELD_DIFFERS -> shows && ehr != null && AuthorityField.byName(AuthorityField.Entity.APPOINTMENT, d.field())
                        .map(field -> Objects.equals(portal.details().get(field), ehr.details().get(field))).orElse(false);
                case DEFERRED_APPLIED -> false;
            };
            if (corrected) {
                repaired.add(run.foundIds.get(i));
            }
        }
        return repaired;
    }
}
