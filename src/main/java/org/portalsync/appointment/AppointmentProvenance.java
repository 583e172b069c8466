package org.portalsync.appointment;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.authority.Side;

/**
 * Who set each field of one portal appointment, when, and what the EHR last said about it, as the patient's
 * fields keep it: the merge under {@code config/authority.yaml} reads it field by field. Stored as JSON in
 * {@code portal_appointment.field_provenance}, keyed by the field's name there ({@code start}, {@code status}, ...).
 */
public final class AppointmentProvenance {

    /** The appointment fields the engine syncs, in the order of {@code config/authority.yaml}. */
    public static final List<AuthorityField> FIELDS = AuthorityField.of(AuthorityField.Entity.APPOINTMENT);

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Map<AuthorityField, FieldProvenance> fields;

    private AppointmentProvenance(Map<AuthorityField, FieldProvenance> fields) {
        this.fields = fields;
    }

    /** Every field as the EHR sent it in this version: a new appointment. */
    public static AppointmentProvenance fromEhr(AppointmentDetails details, Instant lastUpdated, String version) {
        Map<AuthorityField, FieldProvenance> fields = new EnumMap<>(AuthorityField.class);
        for (AuthorityField field : FIELDS) {
            fields.put(field, new FieldProvenance(Side.EHR, lastUpdated, version, PatientFieldValues.hash(details.get(field))));
        }
        return new AppointmentProvenance(fields);
    }

    /** A field without provenance (a row written before the field was tracked) is taken as the EHR's, with no hash. */
    public FieldProvenance of(AuthorityField field) {
        return fields.getOrDefault(field, new FieldProvenance(Side.EHR, null, null, null));
    }

    public AppointmentProvenance with(AuthorityField field, FieldProvenance provenance) {
        Map<AuthorityField, FieldProvenance> copy = new EnumMap<>(AuthorityField.class);
        copy.putAll(fields);
        copy.put(field, provenance);
        return new AppointmentProvenance(copy);
    }

    String toJson() {
        Map<String, FieldProvenance> named = new java.util.LinkedHashMap<>();
        fields.forEach((field, provenance) -> named.put(field.configName(), provenance));
        try {
            return JSON.writeValueAsString(named);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("provenance is not serialisable", e);
        }
    }

    static AppointmentProvenance fromJson(String json) {
        Map<AuthorityField, FieldProvenance> fields = new EnumMap<>(AuthorityField.class);
        if (json == null || json.isBlank()) {
            return new AppointmentProvenance(fields);
        }
        try {
            Map<String, FieldProvenance> named = JSON.readValue(json, new TypeReference<Map<String, FieldProvenance>>() { });
            named.forEach((name, provenance) -> AuthorityField.byName(AuthorityField.Entity.APPOINTMENT, name)
                    .ifPresent(field -> fields.put(field, provenance)));
            return new AppointmentProvenance(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("portal_appointment.field_provenance is not valid JSON", e);
        }
    }
}
