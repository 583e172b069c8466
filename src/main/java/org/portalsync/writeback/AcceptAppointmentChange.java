package org.portalsync.writeback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiHeaders;
import org.portalsync.api.ApiPath;
import org.portalsync.api.ApiRefusal;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.Initiator;

/**
 * Accepts a cancellation or a reschedule of an appointment from the portal
 * ({@code POST /api/v1/appointments/{source}/{id}/changes}): checks it against the {@code appointment} rules (a field
 * the EHR decides for this initiator: 409 naming the owner), checks its values (422 naming the field: an end before
 * its start, a time without offset or in the past, an appointment already cancelled or deleted) and stores it in
 * {@code portal_change} before answering {@code 202}. The same key again answers what it answered first.
 */
public final class AcceptAppointmentChange implements Processor {

    /** Longest cancellation reason: the column of {@code portal_appointment}. */
    static final int MAX_REASON = 500;

    private final String source;
    private final String legacySource;
    private final org.portalsync.portal.PortalDatabase database;
    private final PortalChangeStore changes;
    private final AuthorityRules rules;
    private final Clock clock;

    public AcceptAppointmentChange(String source, org.portalsync.portal.PortalDatabase database, PortalChangeStore changes, AuthorityRules rules,
            Clock clock) {
        this(source, null, database, changes, rules, clock);
    }

    /**
     * @param legacySource a legacy HL7 v2 source whose appointments the portal may cancel (sent to its EHR as SIU^S15);
     *                     null when none is configured
     */
    public AcceptAppointmentChange(String source, String legacySource, org.portalsync.portal.PortalDatabase database, PortalChangeStore changes,
            AuthorityRules rules, Clock clock) {
        this.source = source;
        this.legacySource = legacySource;
        this.database = database;
        this.changes = changes;
        this.rules = rules;
        this.clock = clock;
    }

    /** The appointment as the API checks it. */
    private record Target(long id, long patientId, String status, boolean deleted) {
    }

    @Override
    public void process(Exchange exchange) {
        AppointmentChangeRequest request = exchange.getMessage().getBody(AppointmentChangeRequest.class);
        String clientId = exchange.getProperty(ApiHeaders.CLIENT_ID, String.class);
        String requestedSource = ApiPath.parameter(exchange, "source");
        String appointmentId = ApiPath.parameter(exchange, "id");
        Instant now = clock.instant();
        String key = ChangeSubmission.key(request.changeKey());
        Initiator initiator = ChangeSubmission.initiator(request.initiatedBy());
        Instant changedAt = ChangeSubmission.changedAt(request.changedAt(), now);
        AppointmentChange change = parse(request, now);
        refuseFieldsOfTheEhr(change, initiator);
        boolean legacy = legacySource != null && legacySource.equals(requestedSource);
        if (!source.equals(requestedSource) && !legacy) {
            throw new ApiRefusal(404, "not_found", "No source named so.");
        }
        if (legacy && change.action() != AppointmentChange.Action.CANCEL) {
            // SIU carries the legacy EHR's schedule one way; only a cancellation (S15) goes back
            throw new ApiRefusal(422, "invalid_value", "action: an appointment of " + requestedSource + " can only be cancelled from the portal.");
        }
        String requestText = initiator.configName() + "|" + request.changedAt() + "|" + change.toJson();
        ChangeSubmission.Answer answer = database.inDurableTransaction(connection -> {
            Target target = find(connection, requestedSource, appointmentId)
                    .orElseThrow(() -> new ApiRefusal(404, "not_found", "No such appointment in the portal."));
            return ChangeSubmission.once(connection, changes, clientId, key, requestText, (c, hash) -> {
                // checked only for a new change: a repeat answers the first one, whatever became of the appointment since
                if (target.deleted()) {
                    throw new ApiRefusal(422, "invalid_value", "appointment: deleted at the EHR.");
                }
                if ("cancelled".equals(target.status())) {
                    throw new ApiRefusal(422, "invalid_value", "appointment: already cancelled.");
                }
                return changes.submitAppointment(c, clientId, key, hash, target.patientId(), target.id(), initiator, change, changedAt, now);
            });
        });
        ChangeSubmission.answer(exchange, answer);
    }

    private static AppointmentChange parse(AppointmentChangeRequest request, Instant now) {
        String action = ChangeSubmission.required(request.action(), "action");
        switch (AppointmentChange.Action.byConfigName(action).orElse(AppointmentChange.Action.BOOK)) {
            case CANCEL -> {
                if (request.start() != null || request.end() != null || request.slotId() != null) {
                    throw ApiRefusal.badRequest("start, end and slot_id belong to a reschedule, not to a cancel.");
                }
                String reason = request.cancellationReason() == null || request.cancellationReason().isBlank() ? null
                        : request.cancellationReason().strip();
                if (reason != null && reason.length() > MAX_REASON) {
                    throw new ApiRefusal(422, "invalid_value", "cancellation_reason: longer than " + MAX_REASON + " characters.");
                }
                return AppointmentChange.cancel(reason);
            }
            case RESCHEDULE -> {
                if (request.cancellationReason() != null) {
                    throw ApiRefusal.badRequest("cancellation_reason belongs to a cancel, not to a reschedule.");
                }
                Instant start = instant(request.start(), "start");
                Instant end = instant(request.end(), "end");
                if (!end.isAfter(start)) {
                    throw new ApiRefusal(422, "invalid_value", "end: not after start.");
                }
                if (start.isBefore(now)) {
                    throw new ApiRefusal(422, "invalid_value", "start: in the past.");
                }
                String slot = request.slotId() == null ? null : SlotIds.checked(request.slotId());
                return AppointmentChange.reschedule(start, end, slot);
            }
            default -> throw ApiRefusal.badRequest("action must be cancel or reschedule; a new appointment is a booking "
                    + "(POST /api/v1/patients/{source}/{id}/bookings).");
        }
    }

    /** A time with its offset is one instant; a local time would be a guess in the facility's zone (twice a year, a wrong one). */
    private static Instant instant(String text, String field) {
        if (text == null || text.isBlank()) {
            throw ApiRefusal.badRequest(field + " is required for a reschedule.");
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ApiRefusal(422, "invalid_value", field + ": not an ISO instant with an offset (e.g. 2027-03-15T09:30:00-04:00).");
        }
    }

    private void refuseFieldsOfTheEhr(AppointmentChange change, Initiator initiator) {
        if (change.action() == AppointmentChange.Action.CANCEL) {
            refuse(AuthorityField.APPOINTMENT_STATUS, initiator, "cancelled");
            if (change.cancellationReason() != null) {
                refuse(AuthorityField.APPOINTMENT_CANCELLATION_REASON, initiator, change.cancellationReason());
            }
        } else {
            refuse(AuthorityField.APPOINTMENT_START, initiator, change.start());
            refuse(AuthorityField.APPOINTMENT_END, initiator, change.end());
        }
    }

    private void refuse(AuthorityField field, Initiator initiator, Object value) {
        rules.refusal(field, initiator, value).ifPresent(reason -> {
            throw new ApiRefusal(409, "field_owned_by_ehr", reason + " (initiated by " + initiator.configName() + ")");
        });
    }

    private Optional<Target> find(Connection connection, String appointmentSource, String appointmentId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, patient_id, status, deleted_at FROM portal_appointment WHERE source = ? AND source_id = ?")) {
            select.setString(1, appointmentSource);
            select.setString(2, appointmentId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(new Target(row.getLong("id"), row.getLong("patient_id"), row.getString("status"),
                        row.getObject("deleted_at") != null)) : Optional.empty();
            }
        }
    }
}
