package org.portalsync.reconciliation;

import java.util.List;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.config.SearchParameters;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sync.SyncHeaders;

/**
 * Sets the first search of a reconciliation's page loop (routes/appointment-reconciliation.yaml). Two searches, each
 * read to its last page, with the practitioners and locations included so that names compare as the poll maps them:
 * <ol>
 * <li>{@link #window}: {@code Appointment?date=ge<start>&date=lt<end>} with the poll's own extra search parameters;</li>
 * <li>{@link #portalOnly}: {@code Appointment?_id=...} for the appointments the portal shows in the window that the
 * first did not return: moved out of the window, or gone at the EHR.</li>
 * </ol>
 * Neither moves a feed's high-water mark: the reconciliation only reads the EHR.
 */
public final class SearchAppointmentWindow implements Processor {

    static final String INCLUDE = "&_include=Appointment:practitioner&_include=Appointment:location";
    private static final int IDS_PER_SEARCH = 50;

    private final String baseUrl;
    private final String search;
    private final int pageSize;
    private final boolean portalOnly;
    private final PortalDatabase database;
    private final PortalAppointmentStore appointments;

    private SearchAppointmentWindow(String baseUrl, String search, int pageSize, boolean portalOnly, PortalDatabase database,
            PortalAppointmentStore appointments) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.search = SearchParameters.encode(search);
        this.pageSize = pageSize;
        this.portalOnly = portalOnly;
        this.database = database;
        this.appointments = appointments;
    }

    /** @param search the appointment poll's extra search parameters ({@code portal-sync.appointments.appointment-search}) */
    public static SearchAppointmentWindow window(String baseUrl, String search, int pageSize) {
        return new SearchAppointmentWindow(baseUrl, search, pageSize, false, null, null);
    }

    public static SearchAppointmentWindow portalOnly(String baseUrl, int pageSize, PortalDatabase database, PortalAppointmentStore appointments) {
        return new SearchAppointmentWindow(baseUrl, "", pageSize, true, database, appointments);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        AppointmentReconciliation run = AppointmentReconciliation.of(exchange);
        run.byId = portalOnly;
        if (!portalOnly) {
            exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, baseUrl + "/Appointment?date=ge" + run.window.start() + "&date=lt" + run.window.end()
                    + (search.isEmpty() ? "" : "&" + search) + "&_count=" + pageSize + INCLUDE);
            return;
        }
        run.portalWindow.addAll(database.inTransaction(connection -> appointments.startingBetween(connection, run.source, run.window.start(),
                run.window.end())));
        List<String> notReturned = run.portalWindow.stream().map(StoredAppointment::sourceId)
                .filter(id -> !run.inEhrWindow.contains(id)).toList();
        for (int i = 0; i < notReturned.size(); i += IDS_PER_SEARCH) {
            run.idSearches.add(baseUrl + "/Appointment?_id=" + notReturned.subList(i, Math.min(notReturned.size(), i + IDS_PER_SEARCH)).stream()
                    .collect(Collectors.joining(",")) + "&_count=" + pageSize + INCLUDE);
        }
        exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, run.idSearches.poll());
    }
}
