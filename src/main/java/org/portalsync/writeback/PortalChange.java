package org.portalsync.writeback;

import java.time.Instant;
import java.util.Map;

import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.Initiator;

/**
 * A change the portal submitted for one patient: new values of some fields, made by a patient or
 * the practice's staff at {@code submittedAt}.
 *
 * @param initiatedBy the patient or staff; null for a write-back the engine asked for itself
 * @param values each field's new value in its canonical form ({@link org.portalsync.authority.PatientFieldValues}); empty
 *               for a change of an appointment
 * @param appointment what a change of an appointment asks for; null for a change of the patient's record
 */
public record PortalChange(long id, String clientId, String changeKey, long patientId, Initiator initiatedBy,
        Map<AuthorityField, Object> values, Instant submittedAt, Status status, int attempts, AppointmentChange appointment) {

    /** Where a change is on its way; the last three are final. */
    public enum Status {
        /** Stored, not yet applied to the portal record. */
        PENDING,
        /** Applied to the portal record; its values are being written to the EHR. */
        WRITING_BACK,
        /** Applied (and, with write-back, in the EHR). */
        DONE,
        /** Every field lost to a later change made at the EHR (last-write-wins) or in the portal. */
        SUPERSEDED,
        /** Could not be applied or written; the patient sees the configured message. */
        FAILED
    }
}
