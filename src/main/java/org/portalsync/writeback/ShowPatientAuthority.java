package org.portalsync.writeback;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiPath;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.ApiResponses;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.PortalPatientStore.StoredPatient;

/**
 * Answers {@code GET /api/v1/patients/{source}/{id}/authority}: for each field of one patient, its rule,
 * which side set the portal's value, when and from which EHR version, and whether the EHR still lacks it;
 * then the conflicts the rules resolved for the patient, newest first, with the value that was not kept.
 */
public final class ShowPatientAuthority implements Processor {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CONFLICTS = 100;

    private final String source;
    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final AuthorityRules rules;

    public ShowPatientAuthority(String source, PortalDatabase database, PortalPatientStore patients, AuthorityRules rules) {
        this.source = source;
        this.database = database;
        this.patients = patients;
        this.rules = rules;
    }

    @Override
    public void process(Exchange exchange) {
        String sourceId = ApiPath.parameter(exchange, "id");
        if (!source.equals(ApiPath.parameter(exchange, "source"))) {
            throw new ApiRefusal(404, "not_found", "No source named so.");
        }
        Map<String, Object> body = database.inTransaction(connection -> {
            StoredPatient stored = patients.find(connection, source, sourceId)
                    .orElseThrow(() -> new ApiRefusal(404, "not_found", "No such patient in the portal."));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("patient", source + "/" + stored.patient().reference());
            json.put("ehr_version", stored.patient().sourceVersion());
            json.put("fields", fields(stored));
            json.put("conflicts", conflicts(connection, stored.id()));
            return json;
        });
        ApiResponses.json(exchange, 200, body);
    }

    /** Per synced field of the patient: its rule, who set the portal's value, when, from which EHR version, whether the EHR lacks it. */
    public List<Map<String, Object>> fields(StoredPatient stored) {
        List<Map<String, Object>> fields = new ArrayList<>();
        for (AuthorityField field : PatientFieldValues.syncedPatientFields()) {
            FieldProvenance provenance = stored.provenance().of(field, stored.patient());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("field", field.qualifiedName());
            row.put("rule", rules.matrix().policy(field).rule().describe());
            row.put("set_by", provenance.setBy().configName());
            row.put("set_at", provenance.setAt() == null ? null : provenance.setAt().toString());
            row.put("ehr_version", provenance.sourceVersion());
            row.put("ehr_lacks_portal_value", provenance.portalAheadOfEhr(PatientFieldValues.hash(PatientFieldValues.get(field, stored.patient()))));
            fields.add(row);
        }
        return fields;
    }

    /** The conflicts the rules resolved for the patient (portal id), newest first, with the value that was not kept (PHI). */
    public static List<Map<String, Object>> conflicts(java.sql.Connection connection, long patientId) throws java.sql.SQLException {
        List<Map<String, Object>> conflicts = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT field, detected_at, kept_side, kept_set_at, discarded_side, discarded_set_at, discarded_value, ehr_version, reason,"
                        + " change_id FROM portal_field_conflict WHERE patient_id = ? ORDER BY id DESC")) {
            select.setLong(1, patientId);
            select.setMaxRows(MAX_CONFLICTS);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("field", rows.getString("field"));
                    row.put("detected_at", instant(rows, "detected_at"));
                    row.put("kept", rows.getString("kept_side"));
                    row.put("kept_set_at", instant(rows, "kept_set_at"));
                    row.put("discarded", rows.getString("discarded_side"));
                    row.put("discarded_set_at", instant(rows, "discarded_set_at"));
                    String value = rows.getString("discarded_value");
                    row.put("discarded_value", value == null ? null : JSON.readTree(value));
                    row.put("ehr_version", rows.getString("ehr_version"));
                    row.put("reason", rows.getString("reason"));
                    row.put("change_id", rows.getObject("change_id"));
                    conflicts.add(row);
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("portal_field_conflict.discarded_value is not JSON", e);
            }
        }
        return conflicts;
    }

    private static String instant(ResultSet rows, String column) throws java.sql.SQLException {
        OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant().toString();
    }
}
