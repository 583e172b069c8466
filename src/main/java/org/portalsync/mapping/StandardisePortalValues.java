package org.portalsync.mapping;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.portal.PortalPatient;
import org.portalsync.validate.DataQualityIssue;

/**
 * Brings values the portal submits to the form the engine holds them in, by the same rules as a value
 * read from the EHR: they are written into a FHIR Patient ({@link WritePortalFieldsToFhir}) and mapped
 * back ({@link MapFhirPatient}). A value the mapping would leave out (a phone number that is not one)
 * comes back as a problem naming its FHIR element, never the value. Stateless.
 */
public final class StandardisePortalValues {

    /** The values in the engine's form, or the problems that keep them out. */
    public record Result(Map<AuthorityField, Object> values, List<DataQualityIssue> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    private final String source;
    private final MapFhirPatient mapper;

    public StandardisePortalValues(String source, MapFhirPatient mapper) {
        this.source = source;
        this.mapper = mapper;
    }

    public Result standardise(Map<AuthorityField, Object> values) {
        Patient patient = new Patient();
        patient.setId("portal-change");
        // the mapping rejects a patient without a legal name; a change that does not touch it gets a stand-in
        patient.addName(new HumanName().setUse(HumanName.NameUse.OFFICIAL).setFamily("Stand-in"));
        MappedPatient standIn = mapper.map(source, patient);
        // what the mapping says of the stand-in itself (no MRN, ...) is not the change's doing
        List<DataQualityIssue> standInIssues = standIn.issues();
        PortalPatient submitted = PatientFieldValues.with(standIn.patient(), values);
        for (AuthorityField field : values.keySet()) {
            WritePortalFieldsToFhir.write(patient, field, submitted);
        }
        MappedPatient mapped = mapper.map(source, patient);
        List<DataQualityIssue> problems = mapped.issues().stream().filter(issue -> !standInIssues.contains(issue)).toList();
        if (mapped.rejected()) {
            return new Result(Map.of(), problems.isEmpty()
                    ? List.of(new DataQualityIssue("Patient/portal-change", "Patient.name", "no legal name left", true)) : problems);
        }
        Map<AuthorityField, Object> standardised = new EnumMap<>(AuthorityField.class);
        values.keySet().forEach(field -> standardised.put(field, PatientFieldValues.get(field, mapped.patient())));
        return new Result(standardised, problems);
    }
}
