package org.portalsync.source.hl7v2;

import java.util.List;

import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * What a mapping made of one message: the FHIR resource, and what it left aside. Both lists name fields and
 * codes only, never a patient's values, so that they can go to the digest.
 *
 * @param unmapped segments ({@code PV1}) and fields ({@code PID-10}) holding values that no rule reads, in message order
 * @param notices  values a rule could not use, e.g. {@code PID-8: code 'X' is not in table administrative-sex}
 */
public record MappedMessage(MappingFile mapping, IBaseResource resource, List<String> unmapped, List<String> notices) {

    /** e.g. {@code Patient/v2-3f2a...} */
    public String record() {
        return resource.fhirType() + "/" + resource.getIdElement().getIdPart();
    }
}
