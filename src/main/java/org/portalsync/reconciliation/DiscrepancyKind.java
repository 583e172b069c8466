package org.portalsync.reconciliation;

/** What a reconciliation found about one appointment, as {@code reconciliation_discrepancy.kind} writes it. */
public enum DiscrepancyKind {
    /** The EHR holds the appointment in the window; the portal has no row of it, or shows it to nobody (deleted). */
    MISSING_IN_PORTAL("missing-in-portal"),
    /** The portal shows the appointment in the window; the EHR no longer has it (deleted, or never had it). */
    MISSING_IN_EHR("missing-in-ehr"),
    /** One field's value differs, as the poll's mapping reads the EHR's. */
    FIELD_DIFFERS("field-differs"),
    /** The appointment belongs to another patient at the EHR than in the portal. */
    PATIENT_DIFFERS("patient-differs"),
    /** Not a discrepancy: a deferred field's EHR change (portal-sync.appointments.realtime-fields) the run applied. */
    DEFERRED_APPLIED("deferred-applied");

    private final String configName;

    DiscrepancyKind(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }
}
