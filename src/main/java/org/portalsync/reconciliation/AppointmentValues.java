package org.portalsync.reconciliation;

import java.time.Instant;
import java.time.ZoneId;

import org.portalsync.appointment.AppointmentDetails.Participant;
import org.portalsync.appointment.AppointmentDetails.Reason;

/** An appointment field's value as the front desk reads it in the reconciliation report. */
final class AppointmentValues {

    private AppointmentValues() {
    }

    /** @param zone the appointment's zone: times read as the portal shows them, with their offset */
    static String display(Object value, String zone) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant.atZone(zone == null ? ZoneId.of("UTC") : ZoneId.of(zone)).toOffsetDateTime().toString();
        }
        if (value instanceof Participant participant) {
            return participant.display() == null ? participant.reference()
                    : participant.display() + (participant.reference() == null ? "" : " (" + participant.reference() + ")");
        }
        if (value instanceof Reason reason) {
            return reason.text() == null ? reason.code() : reason.text() + (reason.code() == null ? "" : " (" + reason.code() + ")");
        }
        return value.toString();
    }
}
