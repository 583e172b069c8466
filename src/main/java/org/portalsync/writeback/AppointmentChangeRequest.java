package org.portalsync.writeback;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /api/v1/appointments/{source}/{id}/changes}.
 *
 * @param changeKey          {@code change_key}: the client's idempotency key
 * @param initiatedBy        {@code initiated_by}: {@code patient} or {@code staff}
 * @param changedAt          {@code changed_at}: when the change was made in the portal; now when absent
 * @param action             {@code cancel} or {@code reschedule}
 * @param cancellationReason {@code cancellation_reason}, for a cancel
 * @param start              for a reschedule: an ISO instant with its offset; a local time is refused, never guessed
 * @param end                for a reschedule, as {@code start}
 * @param slotId             {@code slot_id}, for a reschedule into a Slot (optional)
 */
public record AppointmentChangeRequest(
        @JsonProperty("change_key") String changeKey,
        @JsonProperty("initiated_by") String initiatedBy,
        @JsonProperty("changed_at") Instant changedAt,
        @JsonProperty("action") String action,
        @JsonProperty("cancellation_reason") String cancellationReason,
        @JsonProperty("start") String start,
        @JsonProperty("end") String end,
        @JsonProperty("slot_id") String slotId) {
}
