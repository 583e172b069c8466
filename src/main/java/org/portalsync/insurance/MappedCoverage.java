package org.portalsync.insurance;

import org.portalsync.validate.DataQualityIssue;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What {@link MapFhirCoverage} made of one FHIR Coverage: its key, its source version, the patient it covers,
 * the portal's value of it and the data-quality issues found on the way (fields left empty, never the values).
 *
 * @param coverageId           the Coverage's logical id
 * @param versionId            {@code meta.versionId} (or the id's version), null when the EHR gives none
 * @param lastUpdated          {@code meta.lastUpdated}, null when the EHR gives none
 * @param beneficiaryPatientId the logical id of the Patient in {@code Coverage.beneficiary}
 * @param policy               never null: a field that could not be read is null in it, with an issue in {@code problems}
 * @param problems             one per field left empty or doubtful; none rejects the record
 */
public record MappedCoverage(String coverageId, String versionId, Instant lastUpdated, String beneficiaryPatientId,
        InsurancePolicy policy, List<DataQualityIssue> problems) {

    public MappedCoverage {
        Objects.requireNonNull(coverageId, "coverageId");
        Objects.requireNonNull(beneficiaryPatientId, "beneficiaryPatientId");
        Objects.requireNonNull(policy, "policy");
        problems = List.copyOf(problems);
    }
}
