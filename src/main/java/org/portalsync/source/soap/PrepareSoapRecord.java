package org.portalsync.source.soap;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.portalsync.source.hl7v2.ClaimHl7v2Message;
import org.portalsync.sync.SyncHeaders;

/**
 * Hands one {@link SoapRecord} of a page to the pipeline its resource type goes to: the resource as the body, its
 * record reference, its type, and for an appointment its Patient (header {@link ClaimHl7v2Message#PATIENT}, as a
 * legacy message's: the patient came with it, so nothing is fetched from a FHIR EHR; if the portal still lacks it,
 * because that Patient was refused, the appointment is dead-lettered, never stored with a dangling reference).
 */
public final class PrepareSoapRecord implements org.apache.camel.Processor {

    /** Header: the resource type of the record, e.g. {@code Appointment}. */
    public static final String RESOURCE_TYPE = "PortalSyncSoapResourceType";

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        SoapRecord record = message.getBody(SoapRecord.class);
        message.setHeader(SyncHeaders.RECORD, record.resource().fhirType() + "/" + record.resource().getIdElement().getIdPart());
        message.setHeader(RESOURCE_TYPE, record.resource().fhirType());
        if (record.patient() != null) {
            message.setHeader(ClaimHl7v2Message.PATIENT, record.patient());
        } else {
            message.removeHeader(ClaimHl7v2Message.PATIENT);
        }
        message.setBody(record.resource());
    }
}
