package org.portalsync.insurance;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;

class InsurancePolicyTest {

    private static InsurancePolicy valid() {
        return new InsurancePolicy("Northwind Health Plan", "Organization/org-northwind", "NWH884120573", "HT-4410",
                "Harbor Tool & Die Local 12", "Dana Q. Whitfield", "self", LocalDate.of(2024, 1, 1), LocalDate.of(2025, 12, 31), "active");
    }

    @Test
    void stripsTextAndTurnsBlankTextIntoNull() {
        InsurancePolicy policy = new InsurancePolicy("  Northwind Health Plan ", " ", "\tNWH884120573\n", "", null,
                "  ", " self ", null, null, " active");

        assertThat(policy).isEqualTo(new InsurancePolicy("Northwind Health Plan", null, "NWH884120573", null, null,
                null, "self", null, null, "active"));
    }

    @Test
    void aCompletePolicyHasNoProblems() {
        assertThat(valid().problems()).isEmpty();
        assertThat(new InsurancePolicy("Northwind Health Plan", null, "NWH884120573", null, null, null, null, null, null, null)
                .problems()).as("only payer and member id are required").isEmpty();
    }

    @Test
    void payerAndMemberIdAreRequired() {
        InsurancePolicy policy = new InsurancePolicy(" ", "Organization/org-northwind", null, null, null, null, null, null, null, "active");

        assertThat(policy.problems()).containsExactly("payer: required", "memberId: required");
    }

    @Test
    void aGroupNameNeedsAGroupNumber() {
        InsurancePolicy policy = new InsurancePolicy("Northwind Health Plan", null, "NWH884120573", null, "Harbor Tool & Die Local 12",
                null, null, null, null, null);

        assertThat(policy.problems()).containsExactly("groupNumber: required when groupName is given");
    }

    @Test
    void relationshipMustBeASubscriberRelationshipCode() {
        for (String code : InsurancePolicy.RELATIONSHIPS.keySet()) {
            assertThat(withRelationship(code).problems()).as(code).isEmpty();
        }
        assertThat(InsurancePolicy.RELATIONSHIPS.keySet())
                .containsExactly("self", "spouse", "child", "parent", "common", "other", "injured");

        assertThat(withRelationship("cousin").problems()).singleElement().asString()
                .startsWith("relationship: ").doesNotContain("cousin");
        assertThat(withRelationship("Self").problems()).as("codes are case-sensitive").hasSize(1);
    }

    @Test
    void statusMustBeACoverageStatusCode() {
        for (String code : new String[] {"active", "cancelled", "draft", "entered-in-error"}) {
            assertThat(withStatus(code).problems()).as(code).isEmpty();
        }
        assertThat(withStatus("expired").problems()).singleElement().asString()
                .startsWith("status: ").doesNotContain("expired");
    }

    @Test
    void thePeriodMustNotEndBeforeItStarts() {
        InsurancePolicy reversed = period(LocalDate.of(2025, 1, 2), LocalDate.of(2025, 1, 1));

        assertThat(reversed.problems()).containsExactly("periodEnd: before periodStart");
        assertThat(period(LocalDate.of(2025, 1, 1), LocalDate.of(2025, 1, 1)).problems()).as("one day of cover").isEmpty();
        assertThat(period(null, LocalDate.of(2025, 1, 1)).problems()).isEmpty();
        assertThat(period(LocalDate.of(2025, 1, 1), null).problems()).isEmpty();
    }

    @Test
    void problemsNeverQuoteAValue() {
        InsurancePolicy bad = new InsurancePolicy(null, "Organization/secret-org", null, null, "Secret Group Name",
                "Secret Subscriber", "secret-relationship", LocalDate.of(2025, 3, 4), LocalDate.of(2021, 5, 6), "secret-status");

        assertThat(bad.problems()).hasSize(6).allSatisfy(problem -> assertThat(problem)
                .doesNotContain("secret", "Secret", "2025-03-04", "2021-05-06"));
    }

    private static InsurancePolicy withRelationship(String code) {
        InsurancePolicy v = valid();
        return new InsurancePolicy(v.payer(), v.payerReference(), v.memberId(), v.groupNumber(), v.groupName(),
                v.subscriberName(), code, v.periodStart(), v.periodEnd(), v.status());
    }

    private static InsurancePolicy withStatus(String code) {
        InsurancePolicy v = valid();
        return new InsurancePolicy(v.payer(), v.payerReference(), v.memberId(), v.groupNumber(), v.groupName(),
                v.subscriberName(), v.relationship(), v.periodStart(), v.periodEnd(), code);
    }

    private static InsurancePolicy period(LocalDate start, LocalDate end) {
        InsurancePolicy v = valid();
        return new InsurancePolicy(v.payer(), v.payerReference(), v.memberId(), v.groupNumber(), v.groupName(),
                v.subscriberName(), v.relationship(), start, end, v.status());
    }
}
