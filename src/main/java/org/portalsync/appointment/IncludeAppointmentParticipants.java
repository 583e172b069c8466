package org.portalsync.appointment;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.Reference;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;
import org.portalsync.source.fhir.IncludedResources;

/**
 * Reads the Practitioner and Location an Appointment read by id names only by reference, as the poll's
 * {@code _include} brings them with a search page: without them a refresh (a webhook's, a dead letter's, the
 * reconciliation's) would store the provider and location without their names, and the next poll would put
 * them back. A participant the EHR does not give (404, 410, or refused to this client) stays unnamed, as in a search.
 */
public final class IncludeAppointmentParticipants implements Processor {

    private final String baseUrl;
    private final FhirSourceClient client;

    public IncludeAppointmentParticipants(String baseUrl, FhirSourceClient client) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.client = client;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (!(exchange.getMessage().getBody() instanceof Appointment appointment)) {
            return;
        }
        Map<String, String> included = new HashMap<>();
        for (AppointmentParticipantComponent participant : appointment.getParticipant()) {
            Reference actor = participant.getActor();
            IIdType id = actor.getReferenceElement();
            String type = id.getResourceType();
            if (actor.hasDisplay() || !id.hasIdPart() || id.isAbsolute() || !("Practitioner".equals(type) || "Location".equals(type))) {
                continue;
            }
            String reference = type + "/" + id.getIdPart();
            if (!included.containsKey(reference)) {
                try {
                    FhirResponse response = client.get(baseUrl + "/" + type + "/" + URLEncoder.encode(id.getIdPart(), StandardCharsets.UTF_8),
                            type + ".read");
                    if (!response.notFound() && !response.gone()) {
                        included.put(reference, response.body());
                    }
                } catch (EhrRequestRejectedException refused) {
                    // e.g. 403 without Practitioner.read in the scope: a search's _include would leave it out too
                }
            }
        }
        IncludedResources.set(exchange, included);
    }
}
