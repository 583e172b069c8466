package org.portalsync.reconciliation;

/**
 * One row of {@code reconciliation_discrepancy}.
 *
 * @param appointmentId       the Appointment's id at the EHR
 * @param portalAppointmentId {@code portal_appointment.id}, null when the portal has no row
 * @param field               the field of {@code config/authority.yaml} ({@code patient} for patient-differs), else null
 * @param ehrValue            the EHR's value as the front desk reads it (PHI: stored, never logged)
 * @param portalValue         the portal's value (PHI)
 * @param repairable          true when the run may re-sync it: the EHR decides it under the authority rules
 * @param note                why it is not repaired, null when it may be
 */
public record Discrepancy(String appointmentId, Long portalAppointmentId, DiscrepancyKind kind, String field, String ehrValue,
        String portalValue, boolean repairable, String note) {
}
