package org.portalsync.appointment;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.source.fhir.IncludedResources;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncHeaders;

/**
 * Maps an Appointment from a feed or a read to the portal's appointment, and says whether the portal knows the
 * patient it is for ({@link #PATIENT}, {@link #PATIENT_KNOWN}): an appointment is never stored for a patient
 * the portal has not got, so the route fetches that patient first. The practitioner and location the search
 * included name the participants whose references carry no display.
 */
public final class MapAppointmentEntry implements Processor {

    /** Header: the id of the appointment's Patient. */
    public static final String PATIENT = "PortalSyncAppointmentPatient";
    /** Header: true when the portal holds that patient. */
    public static final String PATIENT_KNOWN = "PortalSyncAppointmentPatientKnown";

    private final MapFhirAppointment mapper;
    private final FhirContext fhir;
    private final PortalDatabase database;

    public MapAppointmentEntry(MapFhirAppointment mapper, FhirContext fhir, PortalDatabase database) {
        this.mapper = mapper;
        this.fhir = fhir;
        this.database = database;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (exchange.getMessage().getBody() instanceof DeletedResource) {
            exchange.getMessage().setHeader(PATIENT_KNOWN, true);
            return;
        }
        MappedAppointment mapped = map(exchange, exchange.getMessage().getMandatoryBody(Appointment.class));
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        exchange.getMessage().setHeader(PATIENT, mapped.patientId());
        exchange.getMessage().setHeader(PATIENT_KNOWN,
                database.inTransaction(connection -> PortalPatientStore.exists(connection, source, mapped.patientId())));
        exchange.getMessage().setBody(mapped);
    }

    /**
     * Maps one Appointment of the exchange's page, its participants named by the resources the page included.
     *
     * @throws org.portalsync.sync.MalformedResourceException as {@link MapFhirAppointment#map} does
     */
    public MappedAppointment map(Exchange exchange, Appointment appointment) {
        // only the Practitioners and Locations this Appointment names are parsed, not the whole page's
        return mapper.map(appointment, IncludedResources.referredTo(exchange, fhir,
                appointment.getParticipant().stream().map(AppointmentParticipantComponent::getActor)
                        .filter(actor -> !"Patient".equals(actor.getReferenceElement().getResourceType()))));
    }
}
