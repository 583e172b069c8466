package org.portalsync.writeback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiHeaders;
import org.portalsync.api.ApiPath;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.ApiResponses;
import org.portalsync.authority.AuthorityField;
import org.portalsync.insurance.InsuranceChange;
import org.portalsync.portal.CommunicationPreferences;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.Initiator;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.mapping.MapFhirPatient;
import org.portalsync.mapping.StandardisePortalValues;
import org.portalsync.portal.PortalDatabase;

/**
 * Accepts a patient change from the portal ({@code POST /api/v1/patients/{source}/{id}/changes}): checks it
 * against the authority rules (a field the EHR decides: 409 naming the owner), validates and standardises
 * its values exactly as a value read from the EHR would be (through the FHIR mapping: a phone number
 * that is not one is 422 naming the field), and stores it in {@code portal_change} before answering
 * {@code 202}. The same client key again answers what it answered first; with another body, 409.
 */
public final class AcceptPatientChange implements Processor {

    /** The header that carries the stored change's id to the hand-over after the answer. */
    public static final String CHANGE_ID = "PortalSyncChangeId";

    private final String source;
    private final PortalDatabase database;
    private final PortalChangeStore changes;
    private final AuthorityRules rules;
    private final StandardisePortalValues standardise;
    private final Clock clock;

    public AcceptPatientChange(String source, PortalDatabase database, PortalChangeStore changes, AuthorityRules rules,
            MapFhirPatient mapper, Clock clock) {
        this.source = source;
        this.database = database;
        this.changes = changes;
        this.rules = rules;
        this.standardise = new StandardisePortalValues(source, mapper);
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        PatientChangeRequest request = exchange.getMessage().getBody(PatientChangeRequest.class);
        String clientId = exchange.getProperty(ApiHeaders.CLIENT_ID, String.class);
        String requestedSource = ApiPath.parameter(exchange, "source");
        String sourceId = ApiPath.parameter(exchange, "id");
        Instant now = clock.instant();
        String key = ChangeSubmission.key(request.changeKey());
        Initiator initiator = ChangeSubmission.initiator(request.initiatedBy());
        Instant changedAt = ChangeSubmission.changedAt(request.changedAt(), now);
        if (request.fields() == null || request.fields().isEmpty()) {
            throw ApiRefusal.badRequest("fields must name at least one field.");
        }
        Map<AuthorityField, Object> values = standardised(parse(request, initiator));
        if (!source.equals(requestedSource)) {
            throw new ApiRefusal(404, "not_found", "No source named so.");
        }
        // the request as sent: a repeat without changed_at is the same request, though "now" has moved on
        String requestText = initiator.configName() + "|" + request.changedAt() + "|" + PortalChangeStore.valuesJson(values);
        ChangeSubmission.Answer answer = database.inDurableTransaction(connection -> {
            long patientId = patientId(connection, source, sourceId)
                    .orElseThrow(() -> new ApiRefusal(404, "not_found", "No such patient in the portal."));
            return ChangeSubmission.once(connection, changes, clientId, key, requestText, (c, hash) ->
                    changes.submit(c, clientId, key, hash, patientId, initiator, values, changedAt, now));
        });
        ChangeSubmission.answer(exchange, answer);
    }

    private Map<AuthorityField, Object> parse(PatientChangeRequest request, Initiator initiator) {
        Map<AuthorityField, Object> values = new EnumMap<>(AuthorityField.class);
        request.fields().forEach((name, json) -> {
            AuthorityField field = AuthorityField.byName(AuthorityField.Entity.PATIENT, name)
                    .orElseThrow(() -> ApiRefusal.badRequest("fields." + name + " is not a patient field."));
            Object value;
            try {
                value = PatientFieldValues.fromJson(field, json);
            } catch (IllegalArgumentException e) {
                throw ApiRefusal.badRequest("fields." + name + ": " + e.getMessage());
            }
            rules.refusal(field, initiator, value).ifPresent(reason -> {
                throw new ApiRefusal(409, "field_owned_by_ehr", reason);
            });
            values.put(field, value);
        });
        return values;
    }

    /** The values as the engine would hold them had the EHR sent them; 422 naming the FHIR element of a value the mapping would leave out. */
    private Map<AuthorityField, Object> standardised(Map<AuthorityField, Object> values) {
        if (values.containsKey(AuthorityField.PATIENT_INSURANCE)) {
            return checkedInsurance(values);
        }
        Map<AuthorityField, Object> rowValues = new EnumMap<>(values);
        Object preferences = rowValues.remove(AuthorityField.PATIENT_COMMUNICATION_PREFERENCES);
        if (preferences instanceof CommunicationPreferences given && !given.problems().isEmpty()) {
            throw new ApiRefusal(422, "invalid_value", "fields.communication-preferences: " + String.join("; ", given.problems()));
        }
        if (values.containsKey(AuthorityField.PATIENT_COMMUNICATION_PREFERENCES) && preferences == null) {
            throw ApiRefusal.badRequest("fields.communication-preferences must be an object (preferred_channel, reminders).");
        }
        if (rowValues.isEmpty()) {
            return values;
        }
        StandardisePortalValues.Result result = standardise.standardise(rowValues);
        if (!result.valid()) {
            throw new ApiRefusal(422, "invalid_value", result.problems().stream().map(p -> p.field() + ": " + p.problem())
                    .collect(Collectors.joining("; ")));
        }
        Map<AuthorityField, Object> standardised = new EnumMap<>(result.values());
        if (preferences != null) {
            standardised.put(AuthorityField.PATIENT_COMMUNICATION_PREFERENCES, preferences);
        }
        return standardised;
    }

    /** A policy is its own record at the EHR (a Coverage): it is changed on its own, and whole. */
    private static Map<AuthorityField, Object> checkedInsurance(Map<AuthorityField, Object> values) {
        if (values.size() > 1) {
            throw ApiRefusal.badRequest("fields.insurance is changed on its own: submit the other fields as another change.");
        }
        if (!(values.get(AuthorityField.PATIENT_INSURANCE) instanceof InsuranceChange change)) {
            throw ApiRefusal.badRequest("fields.insurance must be a policy (payer, member_id, ...; coverage_id for an existing one).");
        }
        List<String> problems = change.policy().problems();
        if (!problems.isEmpty()) {
            // the policy's problems name its fields as the record does (memberId): the API's names are snake_case
            throw new ApiRefusal(422, "invalid_value", "fields.insurance: " + problems.stream()
                    .map(p -> p.replaceFirst("^([a-z]+)([A-Z])([a-z]+)([A-Z]?)", "$1_$2$3_$4").replaceFirst("_:", ":").toLowerCase(java.util.Locale.ROOT))
                    .collect(Collectors.joining("; ")));
        }
        return values;
    }

    static Optional<Long> patientId(Connection connection, String source, String sourceId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id FROM portal_patient WHERE source = ? AND source_id = ? AND archived = FALSE")) {
            select.setString(1, source);
            select.setString(2, sourceId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(row.getLong(1)) : Optional.empty();
            }
        }
    }
}
