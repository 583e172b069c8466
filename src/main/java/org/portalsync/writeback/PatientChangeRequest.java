package org.portalsync.writeback;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of {@code POST /api/v1/patients/{source}/{id}/changes}.
 *
 * @param changeKey   {@code change_key}: the client's idempotency key; the same key again returns the first answer
 * @param initiatedBy {@code initiated_by}: {@code patient} or {@code staff}, who made the change in the portal
 * @param changedAt   {@code changed_at}: when the change was made in the portal (what last-write-wins compares); now when absent
 * @param fields      new values by field name ({@code emails}, {@code phones}, ...), in the portal's form
 */
public record PatientChangeRequest(
        @JsonProperty("change_key") String changeKey,
        @JsonProperty("initiated_by") String initiatedBy,
        @JsonProperty("changed_at") Instant changedAt,
        @JsonProperty("fields") Map<String, JsonNode> fields) {
}
