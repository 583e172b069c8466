package org.portalsync.authority;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.portalsync.insurance.InsuranceChange;
import org.portalsync.portal.CommunicationPreferences;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.PostalAddress;

/**
 * Reads and sets one {@link AuthorityField} of a {@link PortalPatient}, and gives each value a
 * canonical JSON form: what the portal API takes, what a conflict keeps of a discarded value, and
 * what the hash that tells "the EHR changed this field" is taken over.
 */
public final class PatientFieldValues {

    /** The legal name is the structured name and the text the EHR writes it as: one field, decided together. */
    public record LegalName(PersonName name, String text) {
    }

    /** Deceased: a flag, and the time when the EHR gives one. */
    public record Deceased(boolean deceased, Instant at) {
    }

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private PatientFieldValues() {
    }

    /** @throws IllegalArgumentException for a field the engine does not sync yet */
    public static Object get(AuthorityField field, PortalPatient patient) {
        return switch (field) {
            case PATIENT_LEGAL_NAME -> new LegalName(patient.legalName(), patient.displayName());
            case PATIENT_PREFERRED_NAME -> patient.preferredName();
            case PATIENT_BIRTH_DATE -> patient.birthDate();
            case PATIENT_GENDER -> patient.gender();
            case PATIENT_PHONES -> patient.phones();
            case PATIENT_EMAILS -> patient.emails();
            case PATIENT_ADDRESSES -> patient.addresses();
            case PATIENT_EMERGENCY_CONTACTS -> patient.emergencyContacts();
            case PATIENT_PREFERRED_LANGUAGE -> patient.preferredLanguage();
            case PATIENT_MRN -> patient.mrn();
            case PATIENT_DECEASED -> new Deceased(patient.deceased(), patient.deceasedAt());
            default -> throw new IllegalArgumentException(field.qualifiedName() + " is not synced");
        };
    }

    /** @return the patient with the given fields set, everything else (source bookkeeping included) as in {@code base} */
    @SuppressWarnings("unchecked")
    public static PortalPatient with(PortalPatient base, Map<AuthorityField, Object> values) {
        Map<AuthorityField, Object> all = new EnumMap<>(AuthorityField.class);
        for (AuthorityField field : syncedPatientFields()) {
            all.put(field, values.containsKey(field) ? values.get(field) : get(field, base));
        }
        LegalName legal = (LegalName) all.get(AuthorityField.PATIENT_LEGAL_NAME);
        Deceased deceased = (Deceased) all.get(AuthorityField.PATIENT_DECEASED);
        return new PortalPatient(base.source(), base.sourceId(), base.sourceVersion(), base.sourceLastUpdated(),
                (String) all.get(AuthorityField.PATIENT_MRN), legal.name(), (PersonName) all.get(AuthorityField.PATIENT_PREFERRED_NAME),
                (LocalDate) all.get(AuthorityField.PATIENT_BIRTH_DATE), (String) all.get(AuthorityField.PATIENT_GENDER),
                (String) all.get(AuthorityField.PATIENT_PREFERRED_LANGUAGE), base.archived(), deceased.deceased(), deceased.at(),
                (List<ContactPoint>) all.get(AuthorityField.PATIENT_PHONES), (List<ContactPoint>) all.get(AuthorityField.PATIENT_EMAILS),
                (List<PostalAddress>) all.get(AuthorityField.PATIENT_ADDRESSES),
                (List<EmergencyContact>) all.get(AuthorityField.PATIENT_EMERGENCY_CONTACTS), legal.text());
    }

    /**
     * @return the fields of the patient's row the engine carries between EHR and portal: not insurance (records of
     *         its own) and not what only the portal has (communication preferences)
     */
    public static List<AuthorityField> syncedPatientFields() {
        return AuthorityField.of(AuthorityField.Entity.PATIENT).stream().filter(f -> f.synced() && !f.ownRecords() && !f.portalOnly()).toList();
    }

    /** @return the value's canonical JSON */
    public static JsonNode toJson(Object value) {
        return JSON.valueToTree(value);
    }

    /**
     * @return the field's value read from JSON in its canonical form
     * @throws IllegalArgumentException naming the field when the JSON does not fit it (the message has no value in it)
     */
    public static Object fromJson(AuthorityField field, JsonNode json) {
        TypeReference<?> type = switch (field) {
            case PATIENT_LEGAL_NAME -> new TypeReference<LegalName>() { };
            case PATIENT_PREFERRED_NAME -> new TypeReference<PersonName>() { };
            case PATIENT_BIRTH_DATE -> new TypeReference<LocalDate>() { };
            case PATIENT_GENDER, PATIENT_PREFERRED_LANGUAGE, PATIENT_MRN -> new TypeReference<String>() { };
            case PATIENT_PHONES, PATIENT_EMAILS -> new TypeReference<List<ContactPoint>>() { };
            case PATIENT_ADDRESSES -> new TypeReference<List<PostalAddress>>() { };
            case PATIENT_EMERGENCY_CONTACTS -> new TypeReference<List<EmergencyContact>>() { };
            case PATIENT_DECEASED -> new TypeReference<Deceased>() { };
            case PATIENT_INSURANCE -> new TypeReference<InsuranceChange>() { };
            case PATIENT_COMMUNICATION_PREFERENCES -> new TypeReference<CommunicationPreferences>() { };
            default -> throw new IllegalArgumentException(field.qualifiedName() + " is not synced");
        };
        try {
            if (json == null || json.isNull()) {
                return emptyValue(field);
            }
            if (!json.isTextual() && (type.getType() == String.class)) {
                throw new IllegalArgumentException(field.qualifiedName() + ": expected a string");
            }
            return JSON.readerFor(JSON.getTypeFactory().constructType(type)).readValue(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(field.qualifiedName() + ": does not fit the field ("
                    + (e instanceof JsonProcessingException p ? p.getOriginalMessage().replaceAll("\"[^\"]*\"", "…") : "unreadable") + ")");
        }
    }

    private static Object emptyValue(AuthorityField field) {
        return switch (field) {
            case PATIENT_PHONES, PATIENT_EMAILS, PATIENT_ADDRESSES, PATIENT_EMERGENCY_CONTACTS -> List.of();
            case PATIENT_LEGAL_NAME -> new LegalName(null, null);
            case PATIENT_DECEASED -> new Deceased(false, null);
            default -> null;
        };
    }

    /** @return a short hash of the value's canonical JSON: equal values, equal hashes; the value cannot be read back from it */
    public static String hash(Object value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(value));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot hash a field value", e);
        }
    }

    /** @return the value as a {@code value:} condition of {@code config/authority.yaml} compares it; null when there is none */
    static String conditionValue(Object value) {
        return value == null ? null : value.toString();
    }
}
