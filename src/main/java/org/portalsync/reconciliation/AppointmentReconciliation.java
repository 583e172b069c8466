package org.portalsync.reconciliation;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.portalsync.appointment.MappedAppointment;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;

/**
 * One run of the appointment reconciliation while it runs, carried by its exchange ({@link #PROPERTY}): what it has
 * read of the EHR so far, what it found and what it applied. Read and written by one thread, the run's.
 */
public final class AppointmentReconciliation {

    /** Exchange property holding the run. */
    public static final String PROPERTY = "portalSyncAppointmentReconciliation";

    final long runId;
    final String source;
    final ReconciliationWindow window;
    final boolean repair;
    /** The EHR's appointments, mapped as the poll maps them, by id: the window's, then those read by id. */
    final Map<String, MappedAppointment> ehr = new LinkedHashMap<>();
    /** Ids the window search returned (mapped or not). */
    final Set<String> inEhrWindow = new HashSet<>();
    /** EHR appointments the mapping rejects (a time in a DST gap, no patient): reported as data-quality rows by the poll. */
    final Set<String> unreadable = new HashSet<>();
    /** Searches by id still to run after the current one: the portal's appointments the window search did not return. */
    final Deque<String> idSearches = new ArrayDeque<>();
    /** The portal's rows of appointments with deferred fields, before the run applied them, with those fields. */
    final Map<String, StoredAppointment> deferredBefore = new LinkedHashMap<>();
    final Map<String, List<String>> deferredFields = new LinkedHashMap<>();
    final List<Discrepancy> found = new ArrayList<>();
    final List<Long> foundIds = new ArrayList<>();
    /** The portal's appointments in the window. */
    final List<StoredAppointment> portalWindow = new ArrayList<>();
    /** False while the window is searched; true while the portal's appointments it did not return are searched by id. */
    boolean byId;
    int deferredApplied;
    volatile boolean finished;

    AppointmentReconciliation(long runId, String source, ReconciliationWindow window, boolean repair) {
        this.runId = runId;
        this.source = source;
        this.window = window;
        this.repair = repair;
    }

    static AppointmentReconciliation of(Exchange exchange) {
        AppointmentReconciliation run = exchange.getProperty(PROPERTY, AppointmentReconciliation.class);
        if (run == null) {
            throw new IllegalStateException("no appointment reconciliation runs on this exchange (startAppointmentReconciliation first)");
        }
        return run;
    }

    long count(DiscrepancyKind kind) {
        return found.stream().filter(d -> d.kind() == kind).count();
    }
}
