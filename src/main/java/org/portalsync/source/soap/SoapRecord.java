package org.portalsync.source.soap;

import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * One record of a SOAP answer, mapped: the resource, and for an appointment the Patient of the record it is inside
 * (applied earlier in the same page; named so that the appointment pipeline never fetches it from a FHIR EHR).
 *
 * @param patient null for a Patient record
 */
public record SoapRecord(IBaseResource resource, IBaseResource patient) {
}
