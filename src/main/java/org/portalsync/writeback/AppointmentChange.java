package org.portalsync.writeback;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * What a portal change of an appointment asks for, as {@code portal_change.field_values} keeps it: a cancellation with
 * its reason, a reschedule to new start and end (optionally a new Slot), or a booking of a free Slot.
 *
 * @param slotId the Slot's logical id: the slot to book, or the new slot of a reschedule (optional)
 * @param reason why the patient books (the Appointment's reasonCode text); PHI
 * @param bookingKey a booking's key at the EHR (a random UUID, the Appointment's identifier): the portal's change ids
 *                   repeat across portal databases and sources, so they cannot key a conditional create at a shared EHR
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppointmentChange(
        @JsonProperty("action") Action action,
        @JsonProperty("cancellation-reason") String cancellationReason,
        @JsonProperty("start") Instant start,
        @JsonProperty("end") Instant end,
        @JsonProperty("slot") String slotId,
        @JsonProperty("reason") String reason,
        @JsonProperty("booking") String bookingKey) {

    /** What the patient (or staff) does to the appointment; stored in {@code portal_change.appointment_action}. */
    public enum Action {
        CANCEL, RESCHEDULE, BOOK;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Action> byConfigName(String name) {
            for (Action action : values()) {
                if (action.configName().equals(name)) {
                    return Optional.of(action);
                }
            }
            return Optional.empty();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    public static AppointmentChange cancel(String reason) {
        return new AppointmentChange(Action.CANCEL, reason, null, null, null, null, null);
    }

    public static AppointmentChange reschedule(Instant start, Instant end, String slotId) {
        return new AppointmentChange(Action.RESCHEDULE, null, start, end, slotId, null, null);
    }

    public static AppointmentChange book(String slotId, String reason) {
        return new AppointmentChange(Action.BOOK, null, null, null, slotId, reason, null);
    }

    /** @return this booking with its key at the EHR */
    public AppointmentChange withBookingKey(String key) {
        return new AppointmentChange(action, cancellationReason, start, end, slotId, reason, key);
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an appointment change is not serialisable", e);
        }
    }

    static AppointmentChange fromJson(long changeId, String json) {
        try {
            return JSON.readValue(json, AppointmentChange.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("portal_change " + changeId + ": field_values is not an appointment change");
        }
    }
}
