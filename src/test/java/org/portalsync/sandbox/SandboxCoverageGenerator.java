package org.portalsync.sandbox;

import java.time.LocalDate;
import java.util.Random;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

/**
 * Deterministic R4 Coverages of the kind a US practice's EHR keeps for its patients, one per patient: a
 * commercial, Medicare or Medicaid plan named by display, the member id in {@code subscriberId} or (as some EHRs
 * write it) in an identifier of type MB, an employer group, the subscriber and the relationship, a period as dates
 * or, now and then, as dateTimes with an offset. About 3% each carry a {@link Defect}. The same seed yields the
 * same Coverages. Payer names are made up; payer ids are not real NAIC codes.
 */
public final class SandboxCoverageGenerator {

    /** The one defect, if any, a generated Coverage carries. */
    public enum Defect {
        NONE,
        /** {@code payor[0]} names the payer only by identifier: no display, no reference to an Organization. */
        NO_PAYER_NAME,
        /** Neither {@code subscriberId} nor an identifier of type MB. */
        NO_MEMBER_ID
    }

    static final String RELATIONSHIP_SYSTEM = "http://terminology.hl7.org/CodeSystem/subscriber-relationship";
    static final String CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/coverage-class";
    static final String IDENTIFIER_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0203";
    private static final String PAYER_ID_SYSTEM = "urn:portal-sync:sandbox:payer-id";
    private static final double NO_PAYER_NAME_RATE = 0.03;
    private static final double NO_MEMBER_ID_RATE = 0.03;

    /** name, payer id, member id prefix, v3 ActCode of the plan type. */
    private static final String[][] PAYERS = {
        {"Northwind Health Plan", "90101", "NWH", "EHCPOL"}, {"Blue Lake Mutual Insurance", "90102", "BLK", "EHCPOL"},
        {"Cedar Valley Health Cooperative", "90103", "CVH", "EHCPOL"}, {"Harborview Mutual", "90104", "HVM", "EHCPOL"},
        {"Summit Ridge Health", "90105", "SRH", "EHCPOL"}, {"Medicare Part B (sandbox)", "90106", "1EG4", "SUBSIDIZ"},
        {"Orchard State Medicaid", "90107", "ORC", "SUBSIDIZ"}, {"Prairie Benefit Trust", "90108", "PBT", "EHCPOL"}};
    private static final String[] EMPLOYERS = {"Harbor Tool & Die", "Lakeside Teachers", "City of Riverton",
        "Granite Logistics", "Maple Grove Hospital", "Bayview Software", "Union Local 12", "Sunrise Grocers"};
    private static final String[] GIVEN = {"Dana", "Marcus", "Priya", "Jordan", "Elena", "Kwame", "Mei", "José",
        "Siobhán", "Ahmed", "Olga", "Thomas"};
    private static final String[] FAMILY = {"Whitfield", "Ellery", "Raman", "Ames", "García", "Mensah", "Chen",
        "Nguyen", "O'Brien", "Haddad", "Ivanova", "Miller"};
    /** code, display of subscriber-relationship, drawn in this proportion: mostly the patient's own plan. */
    private static final String[][] RELATIONSHIPS = {{"self", "Self"}, {"self", "Self"}, {"self", "Self"},
        {"self", "Self"}, {"self", "Self"}, {"self", "Self"}, {"spouse", "Spouse"}, {"spouse", "Spouse"},
        {"child", "Child"}, {"child", "Child"}, {"parent", "Parent"}, {"common", "Common Law Spouse"}};
    private static final String[] OFFSETS = {"-05:00", "-06:00", "-07:00", "-08:00", "-04:00"};

    private final Random random;

    public SandboxCoverageGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** The next Coverage, of this patient; {@link #defectOf(Coverage)} tells which defect, if any, it carries. */
    public Coverage next(String patientId) {
        double r = random.nextDouble();
        Defect defect = r < NO_PAYER_NAME_RATE ? Defect.NO_PAYER_NAME
                : r < NO_PAYER_NAME_RATE + NO_MEMBER_ID_RATE ? Defect.NO_MEMBER_ID
                : Defect.NONE;
        String[] payer = PAYERS[random.nextInt(PAYERS.length)];
        Coverage c = new Coverage();
        int status = random.nextInt(100);
        c.setStatus(status < 90 ? Coverage.CoverageStatus.ACTIVE : status < 98 ? Coverage.CoverageStatus.CANCELLED
                : Coverage.CoverageStatus.DRAFT);
        c.setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", payer[3], null)));
        c.setBeneficiary(new Reference("Patient/" + patientId));

        Reference payor = c.addPayor().setIdentifier(new Identifier().setSystem(PAYER_ID_SYSTEM).setValue(payer[1]));
        if (defect != Defect.NO_PAYER_NAME) {
            payor.setDisplay(payer[0]);
        }

        String memberId = payer[2] + String.format("%09d", random.nextInt(1_000_000_000));
        boolean asIdentifier = random.nextInt(4) == 0;
        if (defect != Defect.NO_MEMBER_ID) {
            if (asIdentifier) {
                c.addIdentifier()
                        .setType(new CodeableConcept(new Coding(IDENTIFIER_TYPE_SYSTEM, "MB", "Member Number")))
                        .setSystem("urn:portal-sync:sandbox:member:" + payer[1])
                        .setValue(memberId);
            } else {
                c.setSubscriberId(memberId);
            }
        }

        if (random.nextInt(5) > 0) {
            c.addClass_()
                    .setType(new CodeableConcept(new Coding(CLASS_SYSTEM, "group", "Group")))
                    .setValue("G" + (10_000 + random.nextInt(90_000)))
                    .setName(EMPLOYERS[random.nextInt(EMPLOYERS.length)]);
        }

        String[] relationship = RELATIONSHIPS[random.nextInt(RELATIONSHIPS.length)];
        c.setRelationship(new CodeableConcept(new Coding(RELATIONSHIP_SYSTEM, relationship[0], relationship[1])));
        if (relationship[0].equals("self")) {
            c.setSubscriber(new Reference("Patient/" + patientId));
        } else {
            c.setSubscriber(new Reference().setDisplay(GIVEN[random.nextInt(GIVEN.length)] + " " + FAMILY[random.nextInt(FAMILY.length)]));
        }

        LocalDate start = LocalDate.of(2019 + random.nextInt(7), 1 + random.nextInt(12), 1);
        LocalDate end = random.nextInt(5) < 2 ? start.plusYears(1).minusDays(1) : null;
        Period period = new Period();
        if (random.nextInt(10) == 0) {
            // some EHRs stamp a plan's start as midnight local time, with the offset
            period.setStartElement(new DateTimeType(start + "T00:00:00" + OFFSETS[random.nextInt(OFFSETS.length)]));
        } else {
            period.setStartElement(new DateTimeType(start.toString()));
        }
        if (end != null) {
            period.setEndElement(new DateTimeType(end.toString()));
        }
        c.setPeriod(period);
        return c;
    }

    /**
     * Which {@link Defect} this generator put into {@code coverage}, read back from the resource itself, so a test
     * can look at whatever came out of the sandbox and know what to expect.
     */
    public static Defect defectOf(Coverage coverage) {
        if (!coverage.hasPayor() || !coverage.getPayorFirstRep().hasDisplay()) {
            return Defect.NO_PAYER_NAME;
        }
        boolean memberIdentifier = coverage.getIdentifier().stream().anyMatch(i -> i.getType().getCoding().stream()
                .anyMatch(coding -> IDENTIFIER_TYPE_SYSTEM.equals(coding.getSystem()) && "MB".equals(coding.getCode())));
        if (!coverage.hasSubscriberId() && !memberIdentifier) {
            return Defect.NO_MEMBER_ID;
        }
        return Defect.NONE;
    }
}
