package org.portalsync.insurance;

/**
 * A Coverage for a patient the portal does not hold even after fetching it (the EHR refused the
 * patient, or the patient's record was rejected): the Coverage is dead-lettered and synced again later,
 * never stored with a dangling patient.
 */
public final class BeneficiaryNotInPortalException extends RuntimeException {

    public BeneficiaryNotInPortalException(String record, String patientId) {
        super(record + " covers Patient/" + patientId + ", which the portal does not hold (see that patient's sync status)");
    }
}
