package org.portalsync.insurance;

import java.time.LocalDate;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The portal's change of one insurance policy, as the API takes it in {@code fields.insurance}: the
 * whole policy (a policy is decided as one value), for the Coverage {@code coverage_id}, or a new policy
 * when that is absent.
 */
public record InsuranceChange(@JsonProperty("coverage_id") String coverageId, @JsonProperty("payer") String payer,
        @JsonProperty("payer_reference") String payerReference, @JsonProperty("member_id") String memberId,
        @JsonProperty("group_number") String groupNumber, @JsonProperty("group_name") String groupName,
        @JsonProperty("subscriber_name") String subscriberName, @JsonProperty("relationship") String relationship,
        @JsonProperty("period_start") LocalDate periodStart, @JsonProperty("period_end") LocalDate periodEnd,
        @JsonProperty("status") String status) {

    /** @return the policy the change sets; a new policy is active unless it says otherwise */
    public InsurancePolicy policy() {
        return new InsurancePolicy(payer, payerReference, memberId, groupNumber, groupName, subscriberName, relationship, periodStart,
                periodEnd, status == null || status.isBlank() ? "active" : status);
    }
}
