package org.portalsync.authority;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.portalsync.portal.PortalPatient;

/**
 * The provenance of every field of one portal patient. Stored as one JSON column beside the record
 * ({@code portal_patient.field_provenance}), so that keeping it costs no statement of its own and the
 * row lock that guards the record guards it too. Only what cannot be derived is stored: nothing for a
 * patient as the EHR first sent it, no hash where it is the hash of the portal's own value.
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
     * @return the field's provenance. A field without an entry (a patient as the EHR first sent it, whose
     *         provenance is not written out: the initial load stores no provenance at all) was set by the EHR
     *         with the record's own version and time; an entry without a hash has the EHR's value in the portal
     */
    public FieldProvenance of(AuthorityField field, PortalPatient current) {
        FieldProvenance known = fields.get(field);
        String currentHash = PatientFieldValues.hash(PatientFieldValues.get(field, current));
        if (known == null) {
            return new FieldProvenance(Side.EHR, current.sourceLastUpdated(), current.sourceVersion(), currentHash);
        }
        return known.ehrValueHash() == null ? known.seenAtEhr(currentHash) : known;
    }

    /**
     * @return every synced field with its entry as {@link #of} gives it: what a merge starts from, so that a
     *         field it leaves alone keeps the version and time it had, not the record's new ones
     */
    public PatientProvenance complete(PortalPatient current) {
        Map<AuthorityField, FieldProvenance> all = new EnumMap<>(AuthorityField.class);
        for (AuthorityField field : PatientFieldValues.syncedPatientFields()) {
            all.put(field, of(field, current));
        }
        return new PatientProvenance(all);
    }

    /** @return true when both give every field the same provenance, each read against its own record */
    public boolean sameAs(PortalPatient patient, PatientProvenance other, PortalPatient otherPatient) {
        return PatientFieldValues.syncedPatientFields().stream().allMatch(f -> of(f, patient).equals(other.of(f, otherPatient)));
    }

    public PatientProvenance with(AuthorityField field, FieldProvenance provenance) {
        Map<AuthorityField, FieldProvenance> copy = new EnumMap<>(AuthorityField.class);
        copy.putAll(fields);
        copy.put(field, provenance);
        return new PatientProvenance(copy);
    }

    /**
     * @param patient the record this provenance goes with: a hash equal to its value's is left out (it can be
     *                computed), so a record whose fields all hold the EHR's values stores times and versions only
     * @return the column's value; null when there is nothing to store (every field as the EHR first sent it)
     */
    public String toJson(PortalPatient patient) {
        if (fields.isEmpty()) {
            return null;
        }
        ObjectNode root = PatientFieldValues.JSON.createObjectNode();
        fields.forEach((field, p) -> {
            ObjectNode node = root.putObject(field.configName());
            node.put("by", p.setBy().configName());
            if (p.setAt() != null) {
                node.put("at", p.setAt().toString());
            }
            if (p.sourceVersion() != null) {
                node.put("version", p.sourceVersion());
            }
            if (p.ehrValueHash() != null && !p.ehrValueHash().equals(PatientFieldValues.hash(PatientFieldValues.get(field, patient)))) {
                node.put("ehr", p.ehrValueHash());
            }
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
