package org.portalsync.authority;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A field of the portal's model that {@code config/authority.yaml} gives a rule. {@link #synced()} says
 * whether the engine carries the field today; a field that is not synced yet can be given its rule
 * now, which is checked and shown in the matrix, and applies once its feed exists.
 */
public enum AuthorityField {
    PATIENT_LEGAL_NAME(Entity.PATIENT, "legal-name", "Patient.name (official), HumanName.text", true, false),
    PATIENT_PREFERRED_NAME(Entity.PATIENT, "preferred-name", "Patient.name (usual, nickname)", true, false),
    PATIENT_BIRTH_DATE(Entity.PATIENT, "birth-date", "Patient.birthDate", true, false),
    PATIENT_GENDER(Entity.PATIENT, "gender", "Patient.gender", true, false),
    PATIENT_PHONES(Entity.PATIENT, "phones", "Patient.telecom (phone)", true, false),
    PATIENT_EMAILS(Entity.PATIENT, "emails", "Patient.telecom (email)", true, false),
    PATIENT_ADDRESSES(Entity.PATIENT, "addresses", "Patient.address", true, false),
    PATIENT_EMERGENCY_CONTACTS(Entity.PATIENT, "emergency-contacts", "Patient.contact", true, false),
    PATIENT_PREFERRED_LANGUAGE(Entity.PATIENT, "preferred-language", "Patient.communication (preferred)", true, false),
    PATIENT_COMMUNICATION_PREFERENCES(Entity.PATIENT, "communication-preferences", "none: portal only (preferred channel, reminder channels)", true, false),
    PATIENT_INSURANCE(Entity.PATIENT, "insurance", "Coverage: payor, subscriberId, class (group), subscriber, relationship, period, status", true, false),
    PATIENT_MRN(Entity.PATIENT, "mrn", "Patient.identifier (MRN system)", true, true),
    PATIENT_DECEASED(Entity.PATIENT, "deceased", "Patient.deceased[x]", true, true),
    APPOINTMENT_START(Entity.APPOINTMENT, "start", "Appointment.start", true, false),
    APPOINTMENT_END(Entity.APPOINTMENT, "end", "Appointment.end", true, false),
    APPOINTMENT_PROVIDER(Entity.APPOINTMENT, "provider", "Appointment.participant (Practitioner)", true, false),
    APPOINTMENT_LOCATION(Entity.APPOINTMENT, "location", "Appointment.participant (Location)", true, false),
    APPOINTMENT_STATUS(Entity.APPOINTMENT, "status", "Appointment.status", true, false),
    APPOINTMENT_CANCELLATION_REASON(Entity.APPOINTMENT, "cancellation-reason", "Appointment.cancelationReason", true, false),
    APPOINTMENT_REASON(Entity.APPOINTMENT, "reason", "Appointment.reasonCode", true, false),
    APPOINTMENT_NOTES(Entity.APPOINTMENT, "notes", "Appointment.comment", true, false);

    /** The record a field belongs to: the top-level keys of {@code config/authority.yaml}. */
    public enum Entity {
        PATIENT("patient"), APPOINTMENT("appointment");

        private final String configName;

        Entity(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        public static Optional<Entity> byConfigName(String name) {
            return Arrays.stream(values()).filter(e -> e.configName.equals(name)).findFirst();
        }
    }

    private final Entity entity;
    private final String configName;
    private final String fhirElements;
    private final boolean synced;
    private final boolean ehrOnly;

    AuthorityField(Entity entity, String configName, String fhirElements, boolean synced, boolean ehrOnly) {
        this.entity = entity;
        this.configName = configName;
        this.fhirElements = fhirElements;
        this.synced = synced;
        this.ehrOnly = ehrOnly;
    }

    public Entity entity() {
        return entity;
    }

    public String configName() {
        return configName;
    }

    /** @return {@code patient.emails}: how errors, conflicts and the API name the field */
    public String qualifiedName() {
        return entity.configName() + "." + configName;
    }

    /** @return where the field lives in FHIR R4, for the matrix */
    public String fhirElements() {
        return fhirElements;
    }

    public boolean synced() {
        return synced;
    }

    /**
     * @return true for a field kept in records of its own rather than in the patient's row: insurance, one
     *         policy per FHIR Coverage, each with its own EHR version and provenance
     */
    public boolean ownRecords() {
        return this == PATIENT_INSURANCE;
    }

    /** @return true for a field the EHR has no element for: only the portal sets it, and it is never written back */
    public boolean portalOnly() {
        return this == PATIENT_COMMUNICATION_PREFERENCES;
    }

    /** @return true for identity and clinical facts only the EHR may set (MRN, deceased): any other rule for them stops start-up */
    public boolean ehrOnly() {
        return ehrOnly;
    }

    public static List<AuthorityField> of(Entity entity) {
        return Arrays.stream(values()).filter(f -> f.entity == entity).toList();
    }

    public static Optional<AuthorityField> byName(Entity entity, String configName) {
        return Arrays.stream(values()).filter(f -> f.entity == entity && f.configName.equals(configName)).findFirst();
    }
}
