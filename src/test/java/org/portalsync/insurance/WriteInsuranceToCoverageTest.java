package org.portalsync.insurance;

import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.portalsync.insurance.CoverageFiles.coverage;

class WriteInsuranceToCoverageTest {

    private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");

    private final MapFhirCoverage mapper = new MapFhirCoverage(CoverageFiles.BASE_URL, CHICAGO);
    private final WriteInsuranceToCoverage writer = new WriteInsuranceToCoverage(CHICAGO);

    /** Differs from every test Coverage in every field. */
    private static final InsurancePolicy CHANGED = new InsurancePolicy("Harborview Mutual", "Organization/org-harborview",
            "HV-0099123", "G-77", "Lakeside Teachers", "Jordan Ames", "spouse", LocalDate.of(2025, 1, 1),
            LocalDate.of(2025, 12, 31), "draft");

    @Test
    void writingBackTheMappedPolicyChangesNothing() {
        for (String file : CoverageFiles.VALID) {
            Coverage original = coverage(file);
            InsurancePolicy policy = mapper.map(original).policy();

            Coverage written = writer.apply(original, policy);

            assertThat(mapper.map(written).policy()).as(file).isEqualTo(policy);
            assertThat(written.equalsDeep(coverage(file))).as(file + " unchanged").isTrue();
        }
    }

    @Test
    void aPayerNamedByAnIncludedOrganizationComesBackAsTheSamePolicy() {
        Coverage original = coverage("coverage-payor-organization.json");
        Organization payer = CoverageFiles.read(Organization.class, "organization-bluelake.json");
        InsurancePolicy policy = mapper.map(original, Map.of("Organization/org-bluelake", payer)).policy();

        Coverage written = writer.apply(original, policy);

        assertThat(mapper.map(written).policy()).isEqualTo(policy);
        assertThat(written.getPayorFirstRep().getReference()).isEqualTo("Organization/org-bluelake");
        assertThat(written.getPayorFirstRep().getDisplay()).isEqualTo("Blue Lake Mutual Insurance");
    }

    @Test
    void aChangedPolicyMapsBackAsWrittenAndLeavesEverythingElseAlone() {
        for (String file : CoverageFiles.VALID) {
            Coverage original = coverage(file);

            Coverage written = writer.apply(original, CHANGED);

            assertThat(mapper.map(written).policy()).as(file).isEqualTo(CHANGED);
            assertThat(withoutPolicyElements(written).equalsDeep(withoutPolicyElements(coverage(file))))
                    .as(file + ": elements the policy does not cover are unchanged").isTrue();
            assertThat(original.equalsDeep(coverage(file))).as(file + ": the resource passed in is not changed").isTrue();
        }
    }

    @Test
    void keepsTheOtherClassesIdentifiersExtensionsAndCosts() {
        Coverage written = writer.apply(coverage("coverage-full.json"), CHANGED);

        assertThat(written.getClass_()).hasSize(2);
        assertThat(written.getClass_().get(1).getValue()).isEqualTo("PPO-2");
        assertThat(written.getIdentifierFirstRep().getValue()).isEqualTo("CERT-88231");
        assertThat(written.getExtension()).extracting(Extension::getUrl)
                .containsExactly("http://example.org/fhir/StructureDefinition/coverage-verified");
        assertThat(written.getCostToBeneficiaryFirstRep().getValueMoney().getValue()).isEqualByComparingTo("25");
        assertThat(written.getBeneficiary().getReference()).isEqualTo("Patient/pat-7");
        assertThat(written.getSubscriber().getReference()).as("only the display is the portal's").isEqualTo("Patient/pat-7");
        assertThat(written.getMeta().getVersionId()).isEqualTo("3");
    }

    @Test
    void keepsPayor0WhenItNamesTheSamePayerSettingOnlyItsDisplay() {
        Coverage original = coverage("coverage-full.json");
        original.getPayorFirstRep().setIdentifier(new Identifier().setSystem("urn:oid:2.16.840.1.113883.6.300").setValue("60054"));
        original.addPayor(new Reference("Organization/org-secondary"));
        InsurancePolicy renamed = with(mapper.map(original).policy(), "Northwind Health Plan of Illinois");

        Coverage written = writer.apply(original, renamed);

        Reference payor = written.getPayorFirstRep();
        assertThat(payor.getReference()).isEqualTo("Organization/org-northwind");
        assertThat(payor.getDisplay()).isEqualTo("Northwind Health Plan of Illinois");
        assertThat(payor.getIdentifier().getValue()).as("the EHR's identifier of the payer stays").isEqualTo("60054");
        assertThat(written.getPayor()).hasSize(2);
        assertThat(written.getPayor().get(1).getReference()).isEqualTo("Organization/org-secondary");
    }

    @Test
    void replacesPayor0WhenThePayerIsAnotherOne() {
        Coverage original = coverage("coverage-full.json");
        original.getPayorFirstRep().setIdentifier(new Identifier().setValue("60054"));
        original.addPayor(new Reference("Organization/org-secondary"));

        Coverage written = writer.apply(original, CHANGED);

        Reference payor = written.getPayorFirstRep();
        assertThat(payor.getReference()).isEqualTo("Organization/org-harborview");
        assertThat(payor.getDisplay()).isEqualTo("Harborview Mutual");
        assertThat(payor.hasIdentifier()).as("the old payer's identifier does not name the new one").isFalse();
        assertThat(written.getPayor().get(1).getReference()).isEqualTo("Organization/org-secondary");

        InsurancePolicy byNameOnly = new InsurancePolicy("Lakeshore Benefit Trust", null, "NWH884120573", null, null, null,
                null, null, null, "active");
        Reference named = writer.apply(original, byNameOnly).getPayorFirstRep();
        assertThat(named.hasReference()).isFalse();
        assertThat(named.getDisplay()).isEqualTo("Lakeshore Benefit Trust");
    }

    @Test
    void writesTheMemberIdWhereTheEhrKeepsIt() {
        Coverage byIdentifier = coverage("coverage-member-identifier.json");

        Coverage written = writer.apply(byIdentifier, CHANGED);

        assertThat(written.hasSubscriberId()).as("an EHR that uses the MB identifier keeps using it").isFalse();
        assertThat(written.getIdentifier()).extracting(Identifier::getValue).containsExactly("POL-55102", "HV-0099123");
        assertThat(written.getIdentifier().get(1).getSystem()).isEqualTo("http://cedar-valley-health.example.org/member");

        Coverage both = coverage("coverage-member-identifier.json");
        both.setSubscriberId("CV-000918273");
        Coverage bothWritten = writer.apply(both, CHANGED);
        assertThat(bothWritten.getSubscriberId()).isEqualTo("HV-0099123");
        assertThat(bothWritten.getIdentifier().get(1).getValue()).as("the same id in both places follows").isEqualTo("HV-0099123");
    }

    @Test
    void clearingFieldsRemovesTheirElements() {
        InsurancePolicy cleared = new InsurancePolicy("Northwind Health Plan", "Organization/org-northwind", null, null, null,
                null, null, null, null, "active");

        for (String file : new String[] {"coverage-full.json", "coverage-member-identifier.json"}) {
            Coverage written = writer.apply(coverage(file), cleared);

            assertThat(mapper.map(written).policy()).as(file).isEqualTo(cleared);
            assertThat(written.hasSubscriberId()).isFalse();
            assertThat(MapFhirCoverage.memberIdentifiers(written)).isEmpty();
            assertThat(MapFhirCoverage.groupClass(written)).isNull();
            assertThat(written.hasRelationship()).isFalse();
            assertThat(written.hasPeriod()).isFalse();
        }
        Coverage full = writer.apply(coverage("coverage-full.json"), cleared);
        assertThat(full.getSubscriber().getReference()).as("the subscriber's reference is the EHR's").isEqualTo("Patient/pat-7");
        assertThat(full.getSubscriber().hasDisplay()).isFalse();
        assertThat(full.getIdentifierFirstRep().getValue()).isEqualTo("CERT-88231");
    }

    @Test
    void addsAGroupClassWhereThereWasNone() {
        Coverage written = writer.apply(coverage("coverage-member-identifier.json"), CHANGED);

        Coverage.ClassComponent group = MapFhirCoverage.groupClass(written);
        assertThat(group.getType().getCodingFirstRep().getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/coverage-class");
        assertThat(group.getType().getCodingFirstRep().getCode()).isEqualTo("group");
        assertThat(group.getValue()).isEqualTo("G-77");
        assertThat(group.getName()).isEqualTo("Lakeside Teachers");
    }

    @Test
    void writesTheRelationshipWithItsSystemAndDisplay() {
        Coverage written = writer.apply(coverage("coverage-payor-organization.json"), CHANGED);

        assertThat(written.getRelationship().getCoding()).singleElement().satisfies(coding -> {
            assertThat(coding.getSystem()).isEqualTo(InsurancePolicy.RELATIONSHIP_SYSTEM);
            assertThat(coding.getCode()).isEqualTo("spouse");
            assertThat(coding.getDisplay()).isEqualTo("Spouse");
        });
    }

    @Test
    void keepsAPeriodDateTimeThatIsStillTheSameDayAndWritesAChangedDayAsADate() {
        Coverage original = coverage("coverage-datetime-period.json");
        InsurancePolicy mapped = mapper.map(original).policy();
        InsurancePolicy newEnd = new InsurancePolicy(mapped.payer(), mapped.payerReference(), mapped.memberId(), null, null, null,
                mapped.relationship(), mapped.periodStart(), LocalDate.of(2025, 9, 30), mapped.status());

        Coverage written = writer.apply(original, newEnd);

        assertThat(written.getPeriod().getStartElement().getValueAsString()).isEqualTo("2024-12-31T23:30:00-05:00");
        assertThat(written.getPeriod().getEndElement().getValueAsString()).isEqualTo("2025-09-30");
        assertThat(mapper.map(written).policy()).isEqualTo(newEnd);
    }

    @Test
    void aPolicyWithoutStatusKeepsTheEhrsStatus() {
        InsurancePolicy mapped = mapper.map(coverage("coverage-member-identifier.json")).policy();
        InsurancePolicy noStatus = new InsurancePolicy(mapped.payer(), mapped.payerReference(), mapped.memberId(), null, null,
                mapped.subscriberName(), mapped.relationship(), mapped.periodStart(), mapped.periodEnd(), null);

        Coverage written = writer.apply(coverage("coverage-member-identifier.json"), noStatus);

        assertThat(written.getStatus()).isEqualTo(Coverage.CoverageStatus.CANCELLED);
    }

    @Test
    void refusesARelationshipOrStatusThatIsNotAFhirCode() {
        InsurancePolicy cousin = new InsurancePolicy("Northwind Health Plan", null, "N1", null, null, null, "cousin", null, null, null);
        InsurancePolicy expired = new InsurancePolicy("Northwind Health Plan", null, "N1", null, null, null, null, null, null, "expired");

        assertThatThrownBy(() -> writer.apply(coverage("coverage-full.json"), cousin))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("relationship:").hasMessageNotContaining("cousin");
        assertThatThrownBy(() -> writer.apply(coverage("coverage-full.json"), expired))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("status:").hasMessageNotContaining("expired");
    }

    @Test
    void createsACoverageForTheBeneficiaryThatMapsBackToThePolicy() {
        Coverage created = writer.create("pat-120", CHANGED);
        created.setId("new-1");

        MappedCoverage mapped = mapper.map(created);

        assertThat(mapped.beneficiaryPatientId()).isEqualTo("pat-120");
        assertThat(mapped.policy()).isEqualTo(CHANGED);
        assertThat(mapped.problems()).isEmpty();
    }

    @Test
    void aCreatedCoverageIsActiveUnlessThePolicySaysOtherwise() {
        InsurancePolicy minimal = new InsurancePolicy("Northwind Health Plan", null, "NWH-1", null, null, null, null, null, null, null);

        Coverage created = writer.create("pat-121", minimal);

        assertThat(created.getStatus()).isEqualTo(Coverage.CoverageStatus.ACTIVE);
        assertThat(created.getBeneficiary().getReference()).isEqualTo("Patient/pat-121");
        assertThat(created.getPayor()).singleElement().satisfies(payor -> {
            assertThat(payor.getDisplay()).isEqualTo("Northwind Health Plan");
            assertThat(payor.hasReference()).isFalse();
        });
        assertThat(created.getSubscriberId()).isEqualTo("NWH-1");
        assertThat(created.hasClass_() || created.hasPeriod() || created.hasRelationship() || created.hasSubscriber()).isFalse();
    }

    @Test
    void refusesToCreateACoverageFromAPolicyWithProblems() {
        InsurancePolicy noPayer = new InsurancePolicy(null, null, "SECRET-ID-1", null, null, null, null, null, null, null);

        assertThatThrownBy(() -> writer.create("pat-122", noPayer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payer: required")
                .hasMessageNotContaining("SECRET-ID-1");
    }

    private static InsurancePolicy with(InsurancePolicy p, String payer) {
        return new InsurancePolicy(payer, p.payerReference(), p.memberId(), p.groupNumber(), p.groupName(), p.subscriberName(),
                p.relationship(), p.periodStart(), p.periodEnd(), p.status());
    }

    /** A copy without the elements an {@link InsurancePolicy} covers, so what is left must not change. */
    private static Coverage withoutPolicyElements(Coverage coverage) {
        Coverage rest = coverage.copy();
        if (rest.hasPayor()) {
            rest.getPayor().remove(0);
        }
        rest.setSubscriberIdElement((StringType) null);
        rest.getIdentifier().removeAll(MapFhirCoverage.memberIdentifiers(rest));
        rest.getClass_().remove(MapFhirCoverage.groupClass(rest));
        if (rest.hasSubscriber()) {
            rest.getSubscriber().setDisplay(null);
        }
        rest.setRelationship(null);
        rest.setPeriod(null);
        rest.setStatus(null);
        return rest;
    }
}
