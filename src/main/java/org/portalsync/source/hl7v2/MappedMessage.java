package org.portalsync.source.hl7v2;

import java.util.List;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;

/**
 * What a mapping made of one message: the FHIR resource (for a mapping with {@code each}, a Bundle of type collection
 * holding one resource per segment), the Patient its {@code patient} mapping made of the same message (null when it
 * names none), and what the two left aside.
 *
 * @param unmapped segments ({@code PV1}) and fields ({@code PID-10}) holding values that no rule reads, in message order
 * @param codes    values a table did not hold, in message order
 */
public record MappedMessage(MappingFile mapping, IBaseResource resource, IBaseResource patient, List<String> unmapped,
        List<UnmappedCode> codes) {

    /**
     * A value a rule's table ({@code map}) does not hold. {@link #toString} names the field and the table only, for the
     * digest and logs: what a sender puts in a coded field is not always a code (a phone number in XTN-3). The analysts'
     * command, which runs on the analyst's own sample, shows the value too ({@link #withValue}).
     */
    public record UnmappedCode(String location, String value, String table, String rule) {

        @Override
        public String toString() {
            return location + ": a code not in table " + table + " (" + rule + ")";
        }

        public String withValue() {
            return location + ": code '" + value + "' is not in table " + table + " (" + rule + ")";
        }
    }

    /** The resources made, in message order: the one resource, or the Bundle's. */
    public List<IBaseResource> resources() {
        if (resource instanceof org.hl7.fhir.r4.model.Bundle bundle && mapping.each() != null) {
            return bundle.getEntry().stream().map(entry -> (IBaseResource) entry.getResource()).toList();
        }
        return List.of(resource);
    }

    /**
     * e.g. {@code Patient/v2-3f2a...}: the record a message is ordered by in the inbox. For a mapping with {@code each},
     * its first resource: a corrected result message names the same order and first result as the original.
     */
    public String record() {
        IBaseResource first = resources().get(0);
        return first.fhirType() + "/" + first.getIdElement().getIdPart();
    }

    /**
     * e.g. {@code Patient/v2-3f2a...}: the patient the message is about, by which the inbox orders it with that patient's
     * other messages (an SIU's after the ADT that came before it): a Patient's own record, else the Patient the
     * {@code patient} mapping made, else a result's subject; null when the message names none.
     */
    public String patientRecord() {
        IBaseResource first = resources().get(0);
        if (first instanceof Patient) {
            return record();
        }
        if (patient != null) {
            return "Patient/" + patient.getIdElement().getIdPart();
        }
        if (first instanceof Observation observation && observation.getSubject().getReference() != null
                && observation.getSubject().getReference().startsWith("Patient/")) {
            return observation.getSubject().getReference();
        }
        return null;
    }
}
