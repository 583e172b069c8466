package org.portalsync.writeback;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiHeaders;
import org.portalsync.api.ApiPath;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.ApiResponses;
import org.portalsync.portal.PortalDatabase;

/**
 * Answers {@code GET /api/v1/changes/{id}}: where one of the client's own changes (of a patient's record, or of an
 * appointment: then also its action and appointment) is (PENDING,
 * WRITING_BACK, DONE, SUPERSEDED, FAILED), each field's outcome, and the message for the patient. Another
 * client's change is answered 404, like one that does not exist. The operator's error text stays in
 * the table: it is for operators, not for the patient.
 */
public final class GetPortalChange implements Processor {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PortalDatabase database;

    public GetPortalChange(PortalDatabase database) {
        this.database = database;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String clientId = exchange.getProperty(ApiHeaders.CLIENT_ID, String.class);
        long id;
        try {
            id = Long.parseLong(ApiPath.parameter(exchange, "id"));
        } catch (NumberFormatException e) {
            throw new ApiRefusal(404, "not_found", "No such change.");
        }
        Map<String, Object> body = database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT c.change_key, c.status, c.field_outcomes, c.patient_message, c.ehr_version, c.submitted_at, c.updated_at,"
                            + " c.appointment_action, p.source, p.source_id, a.source_id AS appointment FROM portal_change c"
                            + " JOIN portal_patient p ON p.id = c.patient_id LEFT JOIN portal_appointment a ON a.id = c.appointment_id"
                            + " WHERE c.id = ? AND c.client_id = ?")) {
                select.setLong(1, id);
                select.setString(2, clientId);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return null;
                    }
                    Map<String, Object> json = new LinkedHashMap<>();
                    json.put("change_id", id);
                    json.put("change_key", row.getString("change_key"));
                    json.put("patient", row.getString("source") + "/Patient/" + row.getString("source_id"));
                    if (row.getString("appointment_action") != null) {
                        // a booking names its appointment once the EHR created it
                        json.put("action", row.getString("appointment_action"));
                        json.put("appointment", row.getString("appointment") == null ? null
                                : row.getString("source") + "/Appointment/" + row.getString("appointment"));
                    }
                    json.put("status", row.getString("status"));
                    String outcomes = row.getString("field_outcomes");
                    json.put("fields", outcomes == null ? Map.of() : JSON.readTree(outcomes));
                    json.put("patient_message", row.getString("patient_message"));
                    json.put("ehr_version", row.getString("ehr_version"));
                    json.put("changed_at", PortalDatabase.instant(row.getObject("submitted_at", OffsetDateTime.class)).toString());
                    json.put("updated_at", PortalDatabase.instant(row.getObject("updated_at", OffsetDateTime.class)).toString());
                    return json;
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("portal_change " + id + ": field_outcomes is not JSON", e);
                }
            }
        });
        if (body == null) {
            throw new ApiRefusal(404, "not_found", "No such change.");
        }
        ApiResponses.json(exchange, 200, body);
    }
}
