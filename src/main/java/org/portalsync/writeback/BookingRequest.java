package org.portalsync.writeback;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /api/v1/patients/{source}/{id}/bookings}.
 *
 * @param changeKey {@code change_key}: the client's idempotency key
 * @param slotId    {@code slot_id}: a free Slot from {@code GET /api/v1/appointments/{source}/slots}
 * @param reason    why the patient comes (optional)
 */
public record BookingRequest(
        @JsonProperty("change_key") String changeKey,
        @JsonProperty("slot_id") String slotId,
        @JsonProperty("reason") String reason) {
}
