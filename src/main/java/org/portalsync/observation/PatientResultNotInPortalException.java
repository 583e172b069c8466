package org.portalsync.observation;

/**
 * A result for a patient the portal does not hold (the legacy EHR sent the result before, or without, the patient's
 * registration, or that registration was refused): dead-lettered, never stored with a dangling patient. Once the
 * patient's ADT message came, the dead letters' re-sync applies the result's message again and brings it in.
 */
public final class PatientResultNotInPortalException extends RuntimeException {

    public PatientResultNotInPortalException(String record, String patientReference) {
        super(record + " is for " + patientReference + ", which the portal does not hold (see that patient's sync status)");
    }
}
