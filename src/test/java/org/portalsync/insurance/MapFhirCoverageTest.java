package org.portalsync.insurance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Reference;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.portalsync.source.fhir.FhirEntry;
import org.portalsync.source.fhir.ParseFhirEntry;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.validate.DataQualityIssue;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.portalsync.insurance.CoverageFiles.coverage;

class MapFhirCoverageTest {

    private static final ZoneId CHICAGO = ZoneId.of("America/Chicago");

    private final MapFhirCoverage mapper = new MapFhirCoverage(CoverageFiles.BASE_URL, CHICAGO);

    private static List<String> fields(MappedCoverage mapped) {
        return mapped.problems().stream().map(DataQualityIssue::field).toList();
    }

    @Test
    void mapsEveryFieldOfAFullCoverage() {
        MappedCoverage mapped = mapper.map(coverage("coverage-full.json"));

        assertThat(mapped.problems()).isEmpty();
        assertThat(mapped.coverageId()).isEqualTo("cov-full");
        assertThat(mapped.versionId()).isEqualTo("3");
        assertThat(mapped.lastUpdated()).isEqualTo(Instant.parse("2025-02-14T14:30:00Z"));
        assertThat(mapped.beneficiaryPatientId()).isEqualTo("pat-7");
        assertThat(mapped.policy()).isEqualTo(new InsurancePolicy("Northwind Health Plan", "Organization/org-northwind",
                "NWH884120573", "HT-4410", "Harbor Tool & Die Local 12", "Dana Q. Whitfield", "self",
                LocalDate.of(2024, 1, 1), LocalDate.of(2025, 12, 31), "active"));
    }

    @Test
    void takesThePayersNameFromTheIncludedOrganizationWhenThePayorHasNoDisplay() {
        Coverage coverage = coverage("coverage-payor-organization.json");
        Organization payer = CoverageFiles.read(Organization.class, "organization-bluelake.json");

        MappedCoverage mapped = mapper.map(coverage, Map.of("Organization/org-bluelake", payer));

        assertThat(mapped.problems()).isEmpty();
        assertThat(mapped.policy()).isEqualTo(new InsurancePolicy("Blue Lake Mutual Insurance", "Organization/org-bluelake",
                "BLK-2201-9934", "77310", null, "Marcus Ellery", "child", LocalDate.of(2023, 7, 1), null, "active"));
    }

    @Test
    void findsTheIncludedOrganizationByAnAbsoluteOrVersionedReferenceToo() {
        Organization payer = CoverageFiles.read(Organization.class, "organization-bluelake.json");
        for (String reference : List.of(CoverageFiles.BASE_URL + "/Organization/org-bluelake", "Organization/org-bluelake/_history/4")) {
            Coverage coverage = coverage("coverage-payor-organization.json");
            coverage.getPayorFirstRep().setReference(reference);

            InsurancePolicy policy = mapper.map(coverage, Map.of("Organization/org-bluelake", payer)).policy();

            assertThat(policy.payer()).as(reference).isEqualTo("Blue Lake Mutual Insurance");
            assertThat(policy.payerReference()).as("kept as the EHR wrote it").isEqualTo(reference);
        }
    }

    @Test
    void aPayorWithoutAnyNameIsAProblemAndLeavesThePayerEmpty() {
        MappedCoverage mapped = mapper.map(coverage("coverage-payor-organization.json"));

        assertThat(mapped.policy().payer()).isNull();
        assertThat(mapped.policy().payerReference()).isEqualTo("Organization/org-bluelake");
        assertThat(mapped.problems()).extracting(DataQualityIssue::record, DataQualityIssue::field, DataQualityIssue::rejectsRecord)
                .containsExactly(tuple("Coverage/cov-org", "Coverage.payor", false));
    }

    @Test
    void anIncludedResourceThatIsNotAnOrganizationDoesNotNameThePayer() {
        Coverage coverage = coverage("coverage-payor-organization.json");
        coverage.getPayorFirstRep().setReference("Patient/pat-31");
        org.hl7.fhir.r4.model.Patient self = new org.hl7.fhir.r4.model.Patient();
        self.addName().setText("Self Pay");

        MappedCoverage mapped = mapper.map(coverage, Map.of("Patient/pat-31", self));

        assertThat(mapped.policy().payer()).isNull();
        assertThat(fields(mapped)).containsExactly("Coverage.payor");
    }

    @Test
    void readsTheMemberIdFromTheMemberNumberIdentifierWhenThereIsNoSubscriberId() {
        MappedCoverage mapped = mapper.map(coverage("coverage-member-identifier.json"));

        assertThat(mapped.problems()).isEmpty();
        assertThat(mapped.policy()).isEqualTo(new InsurancePolicy("Cedar Valley Health Cooperative", null, "CV-000918273",
                null, null, "Priya Raman", "spouse", LocalDate.of(2022, 3, 15), LocalDate.of(2024, 3, 14), "cancelled"));
    }

    @Test
    void subscriberIdWinsOverTheMemberNumberIdentifier() {
        Coverage coverage = coverage("coverage-member-identifier.json");
        coverage.setSubscriberId("SUB-1");

        assertThat(mapper.map(coverage).policy().memberId()).isEqualTo("SUB-1");
    }

    @Test
    void noMemberIdAtAllIsAProblem() {
        Coverage coverage = coverage("coverage-member-identifier.json");
        coverage.getIdentifier().remove(1);

        MappedCoverage mapped = mapper.map(coverage);

        assertThat(mapped.policy().memberId()).isNull();
        assertThat(fields(mapped)).containsExactly("Coverage.subscriberId");
    }

    @Test
    void movesADateTimeWithAnOffsetIntoTheFacilityZone() {
        MappedCoverage mapped = mapper.map(coverage("coverage-datetime-period.json"));

        // 2024-12-31T23:30-05:00 is 2025-01-01 in UTC but still 31 December in Chicago;
        // 2025-06-30T00:30+02:00 is already 29 June in Chicago (17:30 the day before)
        assertThat(mapped.problems()).isEmpty();
        assertThat(mapped.policy().periodStart()).isEqualTo(LocalDate.of(2024, 12, 31));
        assertThat(mapped.policy().periodEnd()).isEqualTo(LocalDate.of(2025, 6, 29));
    }

    @Test
    void theSameDateTimesAreOtherDaysInAnotherFacilitysZone() {
        InsurancePolicy policy = new MapFhirCoverage(CoverageFiles.BASE_URL, ZoneId.of("Asia/Tokyo"))
                .map(coverage("coverage-datetime-period.json")).policy();

        assertThat(policy.periodStart()).isEqualTo(LocalDate.of(2025, 1, 1));
        assertThat(policy.periodEnd()).isEqualTo(LocalDate.of(2025, 6, 30));
    }

    @Test
    void aTimeWithoutAnOffsetIsTheFacilitysOwnDay() {
        Coverage coverage = coverage("coverage-datetime-period.json");
        coverage.getPeriod().getStartElement().setValueAsString("2024-12-31T23:30:00");

        InsurancePolicy policy = new MapFhirCoverage(CoverageFiles.BASE_URL, ZoneId.of("Asia/Tokyo")).map(coverage).policy();

        assertThat(policy.periodStart()).isEqualTo(LocalDate.of(2024, 12, 31));
    }

    @Test
    void aPartialDateIsItsFirstDayAsAStartAndItsLastDayAsAnEnd() {
        Coverage coverage = coverage("coverage-full.json");
        coverage.getPeriod().getStartElement().setValueAsString("2024");
        coverage.getPeriod().getEndElement().setValueAsString("2025-02");

        InsurancePolicy policy = mapper.map(coverage).policy();

        assertThat(policy.periodStart()).isEqualTo(LocalDate.of(2024, 1, 1));
        assertThat(policy.periodEnd()).isEqualTo(LocalDate.of(2025, 2, 28));
    }

    @Test
    void anInvalidDateIsAProblemAndLeavesOnlyThatDateEmpty() {
        MappedCoverage mapped = mapper.map(coverage("coverage-invalid-date.json"));

        assertThat(mapped.policy().periodStart()).isNull();
        assertThat(mapped.policy().periodEnd()).isEqualTo(LocalDate.of(2025, 12, 31));
        assertThat(mapped.problems()).extracting(DataQualityIssue::record, DataQualityIssue::field)
                .containsExactly(tuple("Coverage/cov-bad-date", "Coverage.period.start"));
    }

    @Test
    void theParseStepOfTheFeedAlreadyRefusesAnInvalidDateNamingTheElement() throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(new FhirEntry("Coverage", "cov-bad-date", "1", null,
                CoverageFiles.json("coverage-invalid-date.json"), false));

        assertThatThrownBy(() -> new ParseFhirEntry(FhirContext.forR4Cached(), "Coverage").process(exchange))
                .isInstanceOfSatisfying(MalformedResourceException.class, e -> {
                    assertThat(e.record()).isEqualTo("Coverage/cov-bad-date");
                    assertThat(e.field()).contains("start");
                    assertThat(e.getMessage()).doesNotContain("2024-02-30");
                });
    }

    @Test
    void anUnknownRelationshipCodeIsAProblemAndLeavesTheRelationshipEmpty() {
        MappedCoverage mapped = mapper.map(coverage("coverage-unknown-relationship.json"));

        assertThat(mapped.policy().relationship()).isNull();
        assertThat(mapped.problems()).extracting(DataQualityIssue::record, DataQualityIssue::field)
                .containsExactly(tuple("Coverage/cov-bad-relationship", "Coverage.relationship"));
        assertThat(mapped.problems().get(0).problem()).doesNotContain("cousin");
    }

    @Test
    void aRelationshipCodedOnlyInAnotherSystemIsAProblem() {
        Coverage coverage = coverage("coverage-full.json");
        coverage.getRelationship().getCodingFirstRep().setSystem("http://example.org/local-relationship").setCode("self");

        MappedCoverage mapped = mapper.map(coverage);

        assertThat(mapped.policy().relationship()).isNull();
        assertThat(fields(mapped)).containsExactly("Coverage.relationship");
    }

    @Test
    void noStatusIsAProblemAndAnyStatusCodeIsKept() {
        Coverage none = coverage("coverage-full.json");
        none.setStatus(null);
        Coverage draft = coverage("coverage-full.json");
        draft.setStatus(Coverage.CoverageStatus.DRAFT);

        MappedCoverage noStatus = mapper.map(none);

        assertThat(noStatus.policy().status()).isNull();
        assertThat(fields(noStatus)).containsExactly("Coverage.status");
        assertThat(mapper.map(draft).policy().status()).isEqualTo("draft");
    }

    @Test
    void aGroupComesOnlyFromTheClassOfTypeGroup() {
        Coverage coverage = coverage("coverage-full.json");
        coverage.getClass_().remove(0);

        InsurancePolicy policy = mapper.map(coverage).policy();

        assertThat(policy.groupNumber()).as("the plan class is not the group").isNull();
        assertThat(policy.groupName()).isNull();
    }

    @Test
    void acceptsAnAbsoluteBeneficiaryUnderTheEhrsBaseUrl() {
        assertThat(mapper.map(coverage("coverage-datetime-period.json")).beneficiaryPatientId()).isEqualTo("pat-58");
        assertThat(new MapFhirCoverage(CoverageFiles.BASE_URL + "/", CHICAGO).map(coverage("coverage-datetime-period.json"))
                .beneficiaryPatientId()).as("a trailing slash on the configured base").isEqualTo("pat-58");
    }

    @Test
    void refusesABeneficiaryOnAnotherServer() {
        Coverage coverage = coverage("coverage-datetime-period.json");
        coverage.getBeneficiary().setReference("http://other-ehr.example.org/fhir/Patient/pat-58");

        assertMalformed(coverage, "Coverage/cov-offset", "Coverage.beneficiary");
        assertMalformed(coverage("coverage-datetime-period.json"), new MapFhirCoverage(null, CHICAGO),
                "Coverage/cov-offset", "Coverage.beneficiary");
    }

    @Test
    void refusesACoverageWithoutBeneficiary() {
        assertMalformed(coverage("coverage-no-beneficiary.json"), "Coverage/cov-bad-nobeneficiary", "Coverage.beneficiary");
        Coverage byIdentifier = coverage("coverage-no-beneficiary.json");
        byIdentifier.setBeneficiary(new Reference().setDisplay("Dana Whitfield"));
        assertMalformed(byIdentifier, "Coverage/cov-bad-nobeneficiary", "Coverage.beneficiary");
    }

    @Test
    void refusesABeneficiaryThatIsNotAPatient() {
        assertMalformed(coverage("coverage-beneficiary-group.json"), "Coverage/cov-bad-group", "Coverage.beneficiary");
        Coverage contained = coverage("coverage-beneficiary-group.json");
        contained.getBeneficiary().setReference("#p1");
        assertMalformed(contained, "Coverage/cov-bad-group", "Coverage.beneficiary");
    }

    @Test
    void refusesACoverageWithoutId() {
        Coverage coverage = coverage("coverage-full.json");
        coverage.setId((String) null);

        assertMalformed(coverage, "Coverage/(no id)", "Coverage.id");
    }

    @Test
    void problemsNameTheRecordAndFieldButNeverTheValue() {
        for (String file : CoverageFiles.MAPPABLE) {
            Coverage coverage = coverage(file);
            MappedCoverage mapped = mapper.map(coverage);
            String json = FhirContext.forR4Cached().newJsonParser().encodeResourceToString(coverage);
            for (DataQualityIssue issue : mapped.problems()) {
                assertThat(issue.record()).isEqualTo("Coverage/" + coverage.getIdElement().getIdPart());
                for (String value : List.of("cousin", "2024-02-30", "Organization/org-bluelake")) {
                    if (json.contains(value)) {
                        assertThat(issue.problem()).as(file).doesNotContain(value);
                    }
                }
            }
        }
    }

    @Test
    void aCoverageCutDownToTheMappedElementsMapsAsTheWholeOne() {
        // what a search with _elements=MAPPED_ELEMENTS returns, encoded the way HAPI's server cuts a resource down
        IParser subset = CoverageFiles.parser();
        subset.setEncodeElements(Arrays.stream(MapFhirCoverage.MAPPED_ELEMENTS.split(","))
                .map(element -> "Coverage." + element).collect(Collectors.toSet()));
        for (String file : CoverageFiles.MAPPABLE) {
            Coverage whole = coverage(file);
            Coverage cut = CoverageFiles.parser().parseResource(Coverage.class, subset.encodeResourceToString(whole));
            cut.setId(whole.getIdElement());

            assertThat(cut.hasCostToBeneficiary() || cut.hasExtension()).as("the subset leaves the rest out").isFalse();
            assertThat(mapper.map(cut).policy()).as(file).isEqualTo(mapper.map(whole).policy());
        }
    }

    private void assertMalformed(Coverage coverage, String record, String field) {
        assertMalformed(coverage, mapper, record, field);
    }

    private static void assertMalformed(Coverage coverage, MapFhirCoverage mapper, String record, String field) {
        assertThatThrownBy(() -> mapper.map(coverage))
                .isInstanceOfSatisfying(MalformedResourceException.class, e -> {
                    assertThat(e.record()).isEqualTo(record);
                    assertThat(e.field()).isEqualTo(field);
                });
    }
}
