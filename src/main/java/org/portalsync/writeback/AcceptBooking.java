package org.portalsync.writeback;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiHeaders;
import org.portalsync.api.ApiPath;
import org.portalsync.api.ApiRefusal;
import org.portalsync.authority.Initiator;
import org.portalsync.portal.PortalDatabase;

/**
 * Accepts a patient's booking of a free Slot ({@code POST /api/v1/patients/{source}/{id}/bookings}) and stores it in
 * {@code portal_change} before answering {@code 202}; whether the slot is still free is learnt at the EHR, where the
 * Appointment is created (see {@link AppointmentWriteBack}). The same key again answers what it answered first.
 */
public final class AcceptBooking implements Processor {

    private final String source;
    private final PortalDatabase database;
    private final PortalChangeStore changes;
    private final Clock clock;

    public AcceptBooking(String source, PortalDatabase database, PortalChangeStore changes, Clock clock) {
        this.source = source;
        this.database = database;
        this.changes = changes;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        BookingRequest request = exchange.getMessage().getBody(BookingRequest.class);
        String clientId = exchange.getProperty(ApiHeaders.CLIENT_ID, String.class);
        String requestedSource = ApiPath.parameter(exchange, "source");
        String patientSourceId = ApiPath.parameter(exchange, "id");
        Instant now = clock.instant();
        String key = ChangeSubmission.key(request.changeKey());
        String slot = SlotIds.checked(ChangeSubmission.required(request.slotId(), "slot_id"));
        String reason = request.reason() == null || request.reason().isBlank() ? null : request.reason().strip();
        if (reason != null && reason.length() > AcceptAppointmentChange.MAX_REASON) {
            throw new ApiRefusal(422, "invalid_value", "reason: longer than " + AcceptAppointmentChange.MAX_REASON + " characters.");
        }
        if (!source.equals(requestedSource)) {
            throw new ApiRefusal(404, "not_found", "No source named so.");
        }
        AppointmentChange change = AppointmentChange.book(slot, reason);
        String requestText = "book|" + patientSourceId + "|" + change.toJson();
        ChangeSubmission.Answer answer = database.inDurableTransaction(connection -> {
            long patientId = AcceptPatientChange.patientId(connection, source, patientSourceId)
                    .orElseThrow(() -> new ApiRefusal(404, "not_found", "No such patient in the portal."));
            // a booking is the patient's own: the portal books for the patient it is signed in as
            return ChangeSubmission.once(connection, changes, clientId, key, requestText, (c, hash) -> changes.submitAppointment(c, clientId,
                    key, hash, patientId, null, Initiator.PATIENT, change.withBookingKey(UUID.randomUUID().toString()), now, now));
        });
        ChangeSubmission.answer(exchange, answer);
    }
}
