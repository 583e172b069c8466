package org.portalsync.authority;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.portalsync.portal.PortalPatient;

/**
 * The provenance of every field of one portal patient. Stored as one JSON column beside the record
 * ({@code portal_patient.field_provenance}), so that keeping it costs no statement of its own and the
 * row lock that guards the record guards it too.
 */
public final class PatientProvenance {

    private final Map<AuthorityField, FieldProvenance> fields;

    private PatientProvenance(Map<AuthorityField, FieldProvenance> fields) {
        this.fields = fields;
    }

    public static PatientProvenance empty() {
        return new PatientProvenance(new EnumMap<>(AuthorityField.class));
    }

    /**
     * @return the field's provenance; for a record stored before provenance was kept, or a field never
     *         set: the EHR set it, with the record's own source version and time
     */
    public FieldProvenance of(AuthorityField field, PortalPatient current) {
        FieldProvenance known = fields.get(field);
        if (known != null) {
            return known;
        }
        return new FieldProvenance(Side.EHR, current.sourceLastUpdated(), current.sourceVersion(),
                PatientFieldValues.hash(PatientFieldValues.get(field, current)));
    }

    public PatientProvenance with(AuthorityField field, FieldProvenance provenance) {
        Map<AuthorityField, FieldProvenance> copy = new EnumMap<>(AuthorityField.class);
        copy.putAll(fields);
        copy.put(field, provenance);
        return new PatientProvenance(copy);
    }

    public Map<AuthorityField, FieldProvenance> fields() {
        return Collections.unmodifiableMap(fields);
    }

    public String toJson() {
        ObjectNode root = PatientFieldValues.JSON.createObjectNode();
        fields.forEach((field, p) -> {
            ObjectNode node = root.putObject(field.configName());
            node.put("by", p.setBy().configName());
            node.put("at", p.setAt() == null ? null : p.setAt().toString());
            node.put("version", p.sourceVersion());
            node.put("ehr", p.ehrValueHash());
        });
        try {
            return PatientFieldValues.JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @param json the column's value, null for a record stored before provenance was kept */
    public static PatientProvenance fromJson(String json) {
        PatientProvenance provenance = empty();
        if (json == null || json.isBlank()) {
            return provenance;
        }
        try {
            JsonNode root = PatientFieldValues.JSON.readTree(json);
            root.fields().forEachRemaining(entry -> AuthorityField.byName(AuthorityField.Entity.PATIENT, entry.getKey()).ifPresent(field -> {
                JsonNode node = entry.getValue();
                provenance.fields.put(field, new FieldProvenance(Side.valueOf(node.path("by").asText().toUpperCase(java.util.Locale.ROOT)),
                        node.hasNonNull("at") ? Instant.parse(node.get("at").asText()) : null,
                        node.path("version").asText(null), node.path("ehr").asText(null)));
            }));
            return provenance;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("portal_patient.field_provenance is not valid JSON", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PatientProvenance that && fields.equals(that.fields);
    }

    @Override
    public int hashCode() {
        return fields.hashCode();
    }
}
