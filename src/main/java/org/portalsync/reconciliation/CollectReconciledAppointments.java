package org.portalsync.reconciliation;

import java.util.List;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Appointment;
import org.portalsync.appointment.MapAppointmentEntry;
import org.portalsync.source.fhir.FhirEntry;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.sync.SyncHeaders;

/**
 * Keeps each Appointment of a reconciliation's page (the body, from {@code fetchFhirPage}) as the poll maps it, with
 * the page's included practitioners and locations: a difference found later is one of values, never of formatting.
 * One the mapping rejects is counted as unreadable (the poll has reported it as a data-quality row). After the last
 * page of one search by id, the next one starts.
 */
public final class CollectReconciledAppointments implements Processor {

    private final FhirContext fhir;
    private final MapAppointmentEntry mapping;

    public CollectReconciledAppointments(FhirContext fhir, MapAppointmentEntry mapping) {
        this.fhir = fhir;
        this.mapping = mapping;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        AppointmentReconciliation run = AppointmentReconciliation.of(exchange);
        @SuppressWarnings("unchecked")
        List<FhirEntry> entries = exchange.getMessage().getMandatoryBody(List.class);
        for (FhirEntry entry : entries) {
            if (!"Appointment".equals(entry.resourceType()) || entry.deleted() || entry.id() == null) {
                continue;
            }
            if (!run.byId) {
                run.inEhrWindow.add(entry.id());
            }
            try {
                Appointment appointment = fhir.newJsonParser().parseResource(Appointment.class, entry.resourceJson());
                run.ehr.put(entry.id(), mapping.map(exchange, appointment));
            } catch (MalformedResourceException | DataFormatException e) {
                run.unreadable.add(entry.id());
            }
        }
        if (exchange.getProperty(SyncHeaders.NEXT_PAGE_URL) == null && run.byId) {
            exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, run.idSearches.poll());
        }
        exchange.getMessage().setBody(null);
    }
}
