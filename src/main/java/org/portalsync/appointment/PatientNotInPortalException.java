package org.portalsync.appointment;

/**
 * An Appointment for a patient the portal does not hold even after fetching that patient (the EHR refused the
 * patient, e.g. one outside the engine's scope, or the patient's record was rejected): the Appointment is
 * dead-lettered and synced again later, never stored with a dangling patient.
 */
public final class PatientNotInPortalException extends RuntimeException {

    public PatientNotInPortalException(String record, String patientId) {
        super(record + " is for Patient/" + patientId + ", which the portal does not hold (see that patient's sync status)");
    }
}
