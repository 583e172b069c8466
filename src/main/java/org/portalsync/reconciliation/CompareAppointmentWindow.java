package org.portalsync.reconciliation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.appointment.AppointmentProvenance;
import org.portalsync.appointment.MappedAppointment;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.Side;
import org.portalsync.portal.PortalDatabase;

/**
 * Compares what the EHR holds in the window with what the portal shows, appointment by appointment and field by
 * field, and records each discrepancy. Each is marked repairable when the EHR decides it: the appointment's existence
 * and patient, and a field {@code config/authority.yaml} gives the EHR, unless the portal's value was set in the
 * portal (a patient's cancellation the EHR has not received yet must never be undone). Leaves as the body the
 * appointments to re-sync: the repairable ones when the run repairs, else none.
 */
public final class CompareAppointmentWindow implements Processor {

    static final String PORTAL_SET = "set in the portal and not yet at the EHR: the portal's value stands";
    static final String LAST_WRITE_WINS = "decided by last-write-wins (config/authority.yaml), not by the EHR: review it";

    private final PortalDatabase database;
    private final PortalAppointmentStore appointments;
    private final ReconciliationStore runs;
    private final AuthorityRules rules;

    public CompareAppointmentWindow(PortalDatabase database, PortalAppointmentStore appointments, ReconciliationStore runs, AuthorityRules rules) {
        this.database = database;
        this.appointments = appointments;
        this.runs = runs;
        this.rules = rules;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        AppointmentReconciliation run = AppointmentReconciliation.of(exchange);
        Map<String, StoredAppointment> portal = new LinkedHashMap<>();
        run.portalWindow.forEach(row -> portal.put(row.sourceId(), row));
        Set<String> elsewhere = new HashSet<>(run.ehr.keySet());
        elsewhere.removeAll(portal.keySet());
        Map<Long, String> patients = database.inTransaction(connection -> {
            // the EHR's appointments the portal holds on another day, or hides
            appointments.find(connection, run.source, elsewhere).forEach(row -> portal.put(row.sourceId(), row));
            return runs.patientIds(connection, portal.values().stream().map(StoredAppointment::patientId).toList());
        });
        Set<String> ids = new TreeSet<>(run.ehr.keySet());
        ids.addAll(portal.keySet());
        for (String id : ids) {
            compare(run, id, run.ehr.get(id), portal.get(id), patients);
        }
        run.foundIds.addAll(runs.record(run.runId, run.found));
        Set<String> repair = new LinkedHashSet<>();
        if (run.repair) {
            run.found.stream().filter(Discrepancy::repairable).forEach(d -> repair.add(d.appointmentId()));
        }
        exchange.getMessage().setBody(new ArrayList<>(repair));
    }

    private void compare(AppointmentReconciliation run, String id, MappedAppointment ehr, StoredAppointment portal, Map<Long, String> patients) {
        List<Discrepancy> found = run.found;
        boolean portalShows = portal != null && portal.deletedAt() == null;
        if (ehr == null) {
            // shown in the portal's window, and neither search returned it; unreadable ones the poll reported
            if (portalShows && !run.unreadable.contains(id)) {
                found.add(new Discrepancy(id, portal.id(), DiscrepancyKind.MISSING_IN_EHR, null, null,
                        AppointmentValues.display(portal.details().start(), portal.details().zone()), true, null));
            }
            return;
        }
        if (!portalShows) {
            if (!ehr.details().outOfView() && run.inEhrWindow.contains(id)) {
                found.add(new Discrepancy(id, portal == null ? null : portal.id(), DiscrepancyKind.MISSING_IN_PORTAL, null,
                        AppointmentValues.display(ehr.details().start(), ehr.details().zone()), null, true, null));
            }
            return;
        }
        String portalPatient = patients.get(portal.patientId());
        if (!Objects.equals(ehr.patientId(), portalPatient)) {
            found.add(new Discrepancy(id, portal.id(), DiscrepancyKind.PATIENT_DIFFERS, "patient", "Patient/" + ehr.patientId(),
                    "Patient/" + portalPatient, true, null));
        }
        for (AuthorityField field : AppointmentProvenance.FIELDS) {
            Object ehrValue = ehr.details().get(field);
            Object portalValue = portal.details().get(field);
            if (Objects.equals(ehrValue, portalValue)) {
                continue;
            }
            String note = portal.provenance().of(field).setBy() == Side.PORTAL ? PORTAL_SET
                    : rules.ehrDecides(field, ehrValue) ? null : LAST_WRITE_WINS;
            found.add(new Discrepancy(id, portal.id(), DiscrepancyKind.FIELD_DIFFERS, field.configName(),
                    AppointmentValues.display(ehrValue, ehr.details().zone()), AppointmentValues.display(portalValue, portal.details().zone()),
                    note == null, note));
        }
    }
}
