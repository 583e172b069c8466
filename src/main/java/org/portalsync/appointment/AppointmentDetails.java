package org.portalsync.appointment;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import org.portalsync.authority.AuthorityField;

/**
 * The portal's value of one appointment: what the patient sees, read from a FHIR R4 {@code Appointment}
 * ({@link MapFhirAppointment}). Text is stripped; blank text is null.
 *
 * @param start              {@code Appointment.start} as an instant; null only when the EHR gives none (a proposed appointment)
 * @param end                {@code Appointment.end} as an instant
 * @param zone               the facility's IANA zone the portal shows start and end in (the location's, else the source's)
 * @param status             {@code Appointment.status}, a code of FHIR R4's AppointmentStatus
 * @param cancellationReason {@code Appointment.cancelationReason}: its text, else the first coding's display or code
 * @param reason             {@code Appointment.reasonCode[0]}
 * @param notes              {@code Appointment.comment}
 * @param provider           the first Practitioner participant
 * @param location           the first Location participant
 */
public record AppointmentDetails(Instant start, Instant end, String zone, String status, String cancellationReason, Reason reason,
        String notes, Participant provider, Participant location) {

    /** The codes of FHIR R4's AppointmentStatus, the value set of {@code Appointment.status}. */
    public static final Set<String> STATUSES = Set.of("proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
            "entered-in-error", "checked-in", "waitlist");

    /** The status that takes an appointment out of the patient's view (kept in history), as a deletion does. */
    public static final String ENTERED_IN_ERROR = "entered-in-error";

    /**
     * A participant the portal names: its reference and its name.
     *
     * @param reference e.g. {@code Practitioner/12}; null when the EHR names it only by display
     * @param display   the participant's display, else the name of the resource the search included
     */
    public record Participant(String reference, String display) {
        public Participant {
            reference = clean(reference);
            display = clean(display);
        }
    }

    /**
     * Why the patient comes.
     *
     * @param text the concept's text, else its first coding's display
     * @param code {@code system|code} of its first coding
     */
    public record Reason(String text, String code) {
        public Reason {
            text = clean(text);
            code = clean(code);
        }
    }

    public AppointmentDetails {
        zone = clean(zone);
        status = clean(status);
        cancellationReason = clean(cancellationReason);
        notes = clean(notes);
        reason = reason == null ? new Reason(null, null) : reason;
        provider = provider == null ? new Participant(null, null) : provider;
        location = location == null ? new Participant(null, null) : location;
    }

    /** @return true when the patient no longer sees this appointment (entered in error at the EHR) */
    public boolean outOfView() {
        return ENTERED_IN_ERROR.equals(status);
    }

    /** @return the value of one appointment field of {@code config/authority.yaml}, in the form its rules and hashes compare */
    public Object get(AuthorityField field) {
        return switch (field) {
            case APPOINTMENT_START -> start;
            case APPOINTMENT_END -> end;
            case APPOINTMENT_PROVIDER -> provider;
            case APPOINTMENT_LOCATION -> location;
            case APPOINTMENT_STATUS -> status;
            case APPOINTMENT_CANCELLATION_REASON -> cancellationReason;
            case APPOINTMENT_REASON -> reason;
            case APPOINTMENT_NOTES -> notes;
            default -> throw new IllegalArgumentException(field.qualifiedName() + " is no appointment field");
        };
    }

    /** @return this with the given fields' values replaced (the portal's values the rules kept) */
    public AppointmentDetails with(Map<AuthorityField, Object> values) {
        Map<AuthorityField, Object> v = values;
        return new AppointmentDetails(
                (Instant) v.getOrDefault(AuthorityField.APPOINTMENT_START, start),
                (Instant) v.getOrDefault(AuthorityField.APPOINTMENT_END, end),
                zone,
                (String) v.getOrDefault(AuthorityField.APPOINTMENT_STATUS, status),
                (String) v.getOrDefault(AuthorityField.APPOINTMENT_CANCELLATION_REASON, cancellationReason),
                (Reason) v.getOrDefault(AuthorityField.APPOINTMENT_REASON, reason),
                (String) v.getOrDefault(AuthorityField.APPOINTMENT_NOTES, notes),
                (Participant) v.getOrDefault(AuthorityField.APPOINTMENT_PROVIDER, provider),
                (Participant) v.getOrDefault(AuthorityField.APPOINTMENT_LOCATION, location));
    }

    static String clean(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        return s.isEmpty() ? null : s;
    }
}
