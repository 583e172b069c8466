package org.portalsync.reconciliation;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sync.SyncHeaders;

/**
 * Opens a run of the appointment reconciliation: refuses it while the previous run of this engine still runs
 * ({@link ReconciliationRunningException}; the schedule runs on one instance of a cluster), works out the window
 * (today 00:00 in the practice's zone, for {@code portal-sync.reconciliation.days} days), writes the run's row and
 * leaves as the body the ids of the appointments with deferred fields, for the route to re-sync in full first.
 *
 * <p>An operator's or a test's run may name another first day ({@link #DAY}), number of days ({@link #DAYS}) or
 * repair choice ({@link #REPAIR}) in headers. {@link EndAppointmentReconciliation} ends every run that started.
 */
public final class StartAppointmentReconciliation implements Processor {

    /** Header: the window's first day (ISO date, e.g. 2026-11-01) instead of today. */
    public static final String DAY = "PortalSyncReconciliationDay";
    /** Header: how many days instead of {@code portal-sync.reconciliation.days}. */
    public static final String DAYS = "PortalSyncReconciliationDays";
    /** Header: true or false instead of {@code portal-sync.reconciliation.repair}. */
    public static final String REPAIR = "PortalSyncReconciliationRepair";

    private final String source;
    private final ZoneId zone;
    private final int days;
    private final boolean repair;
    private final PortalDatabase database;
    private final PortalAppointmentStore appointments;
    private final ReconciliationStore runs;
    private final Clock clock;
    private final AtomicBoolean running;

    /** @param running true while a run goes; {@link EndAppointmentReconciliation} sets it false */
    public StartAppointmentReconciliation(String source, ZoneId zone, int days, boolean repair, PortalDatabase database,
            PortalAppointmentStore appointments, ReconciliationStore runs, Clock clock, AtomicBoolean running) {
        this.running = running;
        this.source = source;
        this.zone = zone;
        this.days = days;
        this.repair = repair;
        this.database = database;
        this.appointments = appointments;
        this.runs = runs;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (!running.compareAndSet(false, true)) {
            throw new ReconciliationRunningException();
        }
        try {
            String day = exchange.getMessage().getHeader(DAY, String.class);
            ReconciliationWindow window = new ReconciliationWindow(day == null ? LocalDate.now(clock.withZone(zone)) : LocalDate.parse(day),
                    exchange.getMessage().getHeader(DAYS, days, Integer.class), zone);
            boolean repairs = exchange.getMessage().getHeader(REPAIR, repair, Boolean.class);
            AppointmentReconciliation run = new AppointmentReconciliation(runs.open(source, window, repairs, clock.instant()), source, window,
                    repairs);
            exchange.setProperty(AppointmentReconciliation.PROPERTY, run);
            exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
            List<String> deferred = database.inTransaction(connection -> {
                Map<String, List<String>> fields = appointments.withDeferredFields(connection, source);
                run.deferredFields.putAll(fields);
                for (StoredAppointment before : appointments.find(connection, source, fields.keySet())) {
                    run.deferredBefore.put(before.sourceId(), before);
                }
                return new ArrayList<>(fields.keySet());
            });
            exchange.getMessage().setBody(deferred);
        } catch (RuntimeException e) {
            // the route's end (EndAppointmentReconciliation) comes after this step: a run that fails here ends here
            AppointmentReconciliation run = exchange.getProperty(AppointmentReconciliation.PROPERTY, AppointmentReconciliation.class);
            if (run != null) {
                try {
                    runs.finish(run.runId, FinishAppointmentReconciliation.counts(run, 0), e.getClass().getName(), clock.instant());
                    run.finished = true;
                } catch (RuntimeException unrecorded) {
                    e.addSuppressed(unrecorded);
                }
            }
            running.set(false);
            throw e;
        }
    }
}
