package org.portalsync.mapping;

import org.portalsync.portal.PortalPatient;
import org.portalsync.validate.DataQualityIssue;

import java.util.List;

/**
 * What {@link MapFhirPatient} made of one FHIR Patient: the portal record and the data-quality
 * issues found on the way (fields left out, or the reason the record was rejected).
 *
 * @param patient null when the record is {@link #rejected()}: a rejected record is never half-written
 */
public record MappedPatient(PortalPatient patient, List<DataQualityIssue> issues) {

    public MappedPatient {
        issues = List.copyOf(issues);
        boolean rejected = issues.stream().anyMatch(DataQualityIssue::rejectsRecord);
        if (patient == null && !rejected) {
            throw new IllegalArgumentException("a record without a patient needs a rejecting issue");
        }
    }

    /** @return true when an issue rejects the whole record; it must then not be delivered */
    public boolean rejected() {
        return issues.stream().anyMatch(DataQualityIssue::rejectsRecord);
    }
}
