package org.portalsync.insurance;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The portal's value of one insurance of a patient: what the front desk and the patient see and edit,
 * read from and written to a FHIR R4 {@code Coverage} ({@link MapFhirCoverage}, {@link WriteInsuranceToCoverage}).
 * Text is stripped; blank text is null.
 *
 * @param payer          the payer's name ({@code Coverage.payor[0].display}, or the name of the Organization it references)
 * @param payerReference the payer as a FHIR reference, e.g. {@code Organization/123}; null when the EHR names it only by display
 * @param memberId       the member (subscriber) id on the insurance card ({@code Coverage.subscriberId}, or the identifier of type MB)
 * @param groupNumber    {@code Coverage.class.value} of the class of type {@code group}
 * @param groupName      {@code Coverage.class.name} of that class
 * @param subscriberName {@code Coverage.subscriber.display}
 * @param relationship   the beneficiary's relationship to the subscriber, a code of {@link #RELATIONSHIP_SYSTEM}; null when absent
 * @param periodStart    first day of cover, in the facility's zone
 * @param periodEnd      last day of cover, in the facility's zone
 * @param status         {@code Coverage.status}: active, cancelled, draft or entered-in-error
 */
public record InsurancePolicy(String payer, String payerReference, String memberId, String groupNumber, String groupName,
        String subscriberName, String relationship, LocalDate periodStart, LocalDate periodEnd, String status) {

    /** FHIR R4 code system of {@code Coverage.relationship}. */
    public static final String RELATIONSHIP_SYSTEM = "http://terminology.hl7.org/CodeSystem/subscriber-relationship";

    /** The codes of {@link #RELATIONSHIP_SYSTEM} with the display the code system gives them. */
    public static final Map<String, String> RELATIONSHIPS = relationships();

    /** The codes of FHIR R4's FinancialResourceStatusCodes, the value set of {@code Coverage.status}. */
    public static final Set<String> STATUSES = Set.of("active", "cancelled", "draft", "entered-in-error");

    public InsurancePolicy {
        payer = clean(payer);
        payerReference = clean(payerReference);
        memberId = clean(memberId);
        groupNumber = clean(groupNumber);
        groupName = clean(groupName);
        subscriberName = clean(subscriberName);
        relationship = clean(relationship);
        status = clean(status);
    }

    /**
     * What is wrong with this value as the portal submitted it, one entry per field, {@code "<field>: <problem>"}
     * with the field named as in this record (e.g. {@code memberId: required}). Never quotes a value: the
     * entries may reach logs and API responses. Empty when the value can be stored and written to the EHR.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (payer == null) {
            problems.add("payer: required");
        }
        if (memberId == null) {
            problems.add("memberId: required");
        }
        // Coverage.class.value is required (1..1): a group name alone cannot be written to the EHR
        if (groupName != null && groupNumber == null) {
            problems.add("groupNumber: required when groupName is given");
        }
        if (relationship != null && !RELATIONSHIPS.containsKey(relationship)) {
            problems.add("relationship: not a code of " + RELATIONSHIP_SYSTEM + " " + RELATIONSHIPS.keySet());
        }
        if (status != null && !STATUSES.contains(status)) {
            problems.add("status: not a Coverage.status code " + STATUSES.stream().sorted().toList());
        }
        if (periodStart != null && periodEnd != null && periodEnd.isBefore(periodStart)) {
            problems.add("periodEnd: before periodStart");
        }
        return List.copyOf(problems);
    }

    private static Map<String, String> relationships() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put("self", "Self");
        codes.put("spouse", "Spouse");
        codes.put("child", "Child");
        codes.put("parent", "Parent");
        codes.put("common", "Common Law Spouse");
        codes.put("other", "Other");
        codes.put("injured", "Injured Party");
        return Collections.unmodifiableMap(codes);
    }

    private static String clean(String text) {
        if (text == null) {
            return null;
        }
        String s = text.strip();
        return s.isEmpty() ? null : s;
    }
}
