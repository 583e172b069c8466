package org.portalsync.insurance;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Coverage.ClassComponent;
import org.hl7.fhir.r4.model.Coverage.CoverageStatus;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * Writes the portal's {@link InsurancePolicy} into a FHIR R4 {@code Coverage}, the inverse of
 * {@link MapFhirCoverage}: mapping the result back gives the policy. Only an element whose mapped value differs
 * from the policy is written; everything else (extensions, other classes and identifiers, other payors,
 * costToBeneficiary, a period given as a dateTime that still reads as the same day...) stays as the EHR has it.
 * Stateless and thread-safe.
 */
public final class WriteInsuranceToCoverage {

    private final MapFhirCoverage reader;

    /** @param facilityZone the zone {@link MapFhirCoverage} reads the period in: the same one */
    public WriteInsuranceToCoverage(ZoneId facilityZone) {
        this.reader = new MapFhirCoverage(null, facilityZone);
    }

    /**
     * @param full the Coverage as read whole from the EHR (not an {@code _elements} subset: the result replaces it)
     * @return a changed copy of {@code full}, ready for an update with {@code If-Match}; {@code full} is not changed.
     *     A policy without status keeps the EHR's (Coverage.status is required); one without payer name and
     *     reference keeps the EHR's payor.
     * @throws IllegalArgumentException for a relationship or status that is not a FHIR code
     */
    public Coverage apply(Coverage full, InsurancePolicy policy) {
        Objects.requireNonNull(full, "full");
        checkCodes(policy);
        Coverage coverage = full.copy();
        write(coverage, reader.policyOf(coverage), policy);
        return coverage;
    }

    /**
     * A new Coverage for an insurance the portal added: beneficiary {@code Patient/<patientId>}, status from the
     * policy, else active.
     *
     * @throws IllegalArgumentException when the policy has {@link InsurancePolicy#problems() problems}
     */
    public Coverage create(String patientId, InsurancePolicy policy) {
        Objects.requireNonNull(patientId, "patientId");
        List<String> problems = policy.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("insurance cannot be written to the EHR: " + String.join("; ", problems));
        }
        Coverage coverage = new Coverage();
        coverage.setStatus(CoverageStatus.ACTIVE);
        coverage.setBeneficiary(new Reference("Patient/" + patientId));
        write(coverage, reader.policyOf(coverage), policy);
        return coverage;
    }

    private static void checkCodes(InsurancePolicy policy) {
        if (policy.relationship() != null && !InsurancePolicy.RELATIONSHIPS.containsKey(policy.relationship())) {
            throw new IllegalArgumentException("relationship: not a code of " + InsurancePolicy.RELATIONSHIP_SYSTEM);
        }
        if (policy.status() != null && !InsurancePolicy.STATUSES.contains(policy.status())) {
            throw new IllegalArgumentException("status: not a Coverage.status code");
        }
    }

    private static void write(Coverage coverage, InsurancePolicy current, InsurancePolicy policy) {
        writePayer(coverage, current, policy);
        if (!Objects.equals(current.memberId(), policy.memberId())) {
            writeMemberId(coverage, current.memberId(), policy.memberId());
        }
        if (!Objects.equals(current.groupNumber(), policy.groupNumber()) || !Objects.equals(current.groupName(), policy.groupName())) {
            writeGroup(coverage, policy.groupNumber(), policy.groupName());
        }
        if (!Objects.equals(current.subscriberName(), policy.subscriberName())) {
            coverage.getSubscriber().setDisplay(policy.subscriberName());
            if (coverage.getSubscriber().isEmpty()) {
                coverage.setSubscriber(null);
            }
        }
        if (!Objects.equals(current.relationship(), policy.relationship())) {
            coverage.setRelationship(policy.relationship() == null ? null : new CodeableConcept(new Coding(
                    InsurancePolicy.RELATIONSHIP_SYSTEM, policy.relationship(), InsurancePolicy.RELATIONSHIPS.get(policy.relationship()))));
        }
        if (!Objects.equals(current.periodStart(), policy.periodStart())) {
            coverage.getPeriod().setStartElement(day(policy.periodStart()));
        }
        if (!Objects.equals(current.periodEnd(), policy.periodEnd())) {
            coverage.getPeriod().setEndElement(day(policy.periodEnd()));
        }
        if (coverage.hasPeriod() && coverage.getPeriod().isEmpty()) {
            coverage.setPeriod((Period) null);
        }
        if (policy.status() != null && !policy.status().equals(current.status())) {
            coverage.setStatus(CoverageStatus.fromCode(policy.status()));
        }
    }

    /**
     * payor[0] is the payer. It is kept when it names the same reference (only its display is set), so its
     * identifier and extensions survive; otherwise it is replaced by a reference with the name (and the reference).
     */
    private static void writePayer(Coverage coverage, InsurancePolicy current, InsurancePolicy policy) {
        if (policy.payer() == null && policy.payerReference() == null
                || Objects.equals(current.payer(), policy.payer()) && Objects.equals(current.payerReference(), policy.payerReference())) {
            return;
        }
        Reference first = coverage.hasPayor() ? coverage.getPayorFirstRep() : null;
        if (first != null && Objects.equals(current.payerReference(), policy.payerReference())) {
            first.setDisplay(policy.payer());
            return;
        }
        Reference payer = new Reference().setReference(policy.payerReference()).setDisplay(policy.payer());
        if (first == null) {
            coverage.addPayor(payer);
        } else {
            coverage.getPayor().set(0, payer);
        }
    }

    /**
     * The member id lives in {@code subscriberId} or, where an EHR has none, in the identifier of type MB: it is
     * written where {@link MapFhirCoverage} reads it, and an MB identifier that held the same id follows it.
     */
    private static void writeMemberId(Coverage coverage, String old, String memberId) {
        List<Identifier> members = MapFhirCoverage.memberIdentifiers(coverage);
        if (memberId == null) {
            coverage.setSubscriberId(null);
            coverage.getIdentifier().removeAll(members);
            return;
        }
        if (coverage.hasSubscriberId() || members.isEmpty()) {
            coverage.setSubscriberId(memberId);
        }
        for (Identifier member : members) {
            if (member.getValue() != null && member.getValue().strip().equals(old)) {
                member.setValue(memberId);
            }
        }
    }

    private static void writeGroup(Coverage coverage, String number, String name) {
        ClassComponent group = MapFhirCoverage.groupClass(coverage);
        if (number == null && name == null) {
            coverage.getClass_().remove(group);
            return;
        }
        if (group == null) {
            group = coverage.addClass_().setType(new CodeableConcept(
                    new Coding(MapFhirCoverage.CLASS_SYSTEM, MapFhirCoverage.GROUP, "Group")));
        }
        group.setValue(number).setName(name);
    }

    private static DateTimeType day(LocalDate date) {
        return date == null ? null : new DateTimeType(date.toString());
    }
}
