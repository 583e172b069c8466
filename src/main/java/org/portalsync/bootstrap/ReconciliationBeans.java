package org.portalsync.bootstrap;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.spi.Registry;
import org.portalsync.api.ShowAppointmentReconciliation;
import org.portalsync.appointment.MapAppointmentEntry;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.reconciliation.CollectReconciledAppointments;
import org.portalsync.reconciliation.CompareAppointmentWindow;
import org.portalsync.reconciliation.EndAppointmentReconciliation;
import org.portalsync.reconciliation.FinishAppointmentReconciliation;
import org.portalsync.reconciliation.ReconciliationStore;
import org.portalsync.reconciliation.RecordDeferredFieldsApplied;
import org.portalsync.reconciliation.SearchAppointmentWindow;
import org.portalsync.reconciliation.StartAppointmentReconciliation;

/** Binds the beans of the daily appointment reconciliation (routes/appointment-reconciliation.yaml) and its API. */
final class ReconciliationBeans {

    private ReconciliationBeans() {
    }

    static void bind(Registry registry, PortalSyncSettings settings, PortalDatabase database, FhirContext fhir, MapAppointmentEntry mapping,
            PortalAppointmentStore appointments, AuthorityRules rules, Clock clock) {
        ReconciliationStore runs = new ReconciliationStore(database);
        // one run at a time on this engine; the schedule runs on one engine of a cluster
        AtomicBoolean running = new AtomicBoolean();
        // the practice's zone is the source's: its "today" starts the window and its clock runs the schedule
        registry.bind("startAppointmentReconciliation", new StartAppointmentReconciliation(settings.sourceName(), settings.zone(),
                settings.positiveInt(PortalSyncSettings.RECONCILIATION_DAYS), settings.reconciliationRepair(), database, appointments, runs, clock, running));
        registry.bind("endAppointmentReconciliation", new EndAppointmentReconciliation(runs, clock, running));
        registry.bind("recordDeferredFieldsApplied", new RecordDeferredFieldsApplied(database, appointments, runs));
        registry.bind("searchAppointmentWindow", SearchAppointmentWindow.window(settings.fhirBaseUrl(),
                settings.raw(PortalSyncSettings.APPOINTMENTS_SEARCH), settings.pageSize()));
        registry.bind("searchPortalOnlyAppointments", SearchAppointmentWindow.portalOnly(settings.fhirBaseUrl(), settings.pageSize(), database,
                appointments));
        registry.bind("collectReconciledAppointments", new CollectReconciledAppointments(fhir, mapping));
        registry.bind("compareAppointmentWindow", new CompareAppointmentWindow(database, appointments, runs, rules));
        registry.bind("finishAppointmentReconciliation", new FinishAppointmentReconciliation(database, appointments, runs, clock));
        registry.bind("showAppointmentReconciliation", new ShowAppointmentReconciliation(runs, settings.sourceName()));
    }
}
