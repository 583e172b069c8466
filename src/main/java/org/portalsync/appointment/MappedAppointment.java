package org.portalsync.appointment;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.portalsync.validate.DataQualityIssue;

/**
 * What {@link MapFhirAppointment} made of one FHIR Appointment: its key, its source version, the patient it is
 * for, the portal's value of it and the data-quality issues found on the way (fields named, never their values).
 *
 * @param appointmentId the Appointment's logical id
 * @param versionId     {@code meta.versionId} (or the id's version), null when the EHR gives none
 * @param lastUpdated   {@code meta.lastUpdated}, null when the EHR gives none
 * @param patientId     the logical id of the Patient participant
 * @param details       never null
 * @param problems      one per field left empty or doubtful; none rejects the record
 */
public record MappedAppointment(String appointmentId, String versionId, Instant lastUpdated, String patientId,
        AppointmentDetails details, List<DataQualityIssue> problems) {

    public MappedAppointment {
        Objects.requireNonNull(appointmentId, "appointmentId");
        Objects.requireNonNull(patientId, "patientId");
        Objects.requireNonNull(details, "details");
        problems = List.copyOf(problems);
    }

    public String record() {
        return "Appointment/" + appointmentId;
    }
}
