package org.portalsync.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coverage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.portalsync.insurance.InsurancePolicy;
import org.portalsync.insurance.MapFhirCoverage;
import org.portalsync.insurance.MappedCoverage;
import org.portalsync.insurance.WriteInsuranceToCoverage;
import org.portalsync.validate.DataQualityIssue;

/** The sandbox EHR holds generated Coverages of its patients, each with its own lastUpdated, and takes them back written. */
class SandboxCoverageIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ZoneId FACILITY = ZoneId.of("America/New_York");
    private static final String TAG = SandboxEhr.SEED_TAG_SYSTEM + "|seed-9802";

    private static List<String> patients;
    private static List<SandboxEhr.SeededCoverage> seeded;

    @BeforeAll
    static void seed() {
        patients = EHR.seedPatients(60, 9801L);
        seeded = EHR.seedCoverages(patients, 9802L);
    }

    @Test
    void coveragesComeBackInSeedingOrderEachWithItsOwnLastUpdatedPatientAndDefect() {
        for (int i = 1; i < seeded.size(); i++) {
            assertThat(seeded.get(i).lastUpdated()).isAfter(seeded.get(i - 1).lastUpdated());
        }

        List<Coverage> found = search(null);

        assertThat(found).extracting(c -> c.getIdElement().getIdPart())
                .containsExactlyElementsOf(seeded.stream().map(SandboxEhr.SeededCoverage::id).toList());
        assertThat(found).extracting(c -> c.getMeta().getLastUpdated().toInstant())
                .containsExactlyElementsOf(seeded.stream().map(SandboxEhr.SeededCoverage::lastUpdated).toList());
        assertThat(found).extracting(c -> c.getBeneficiary().getReferenceElement().getIdPart()).containsExactlyElementsOf(patients);
        assertThat(seeded).extracting(SandboxEhr.SeededCoverage::patientId).containsExactlyElementsOf(patients);

        SandboxCoverageGenerator generator = new SandboxCoverageGenerator(9802L);
        for (int i = 0; i < seeded.size(); i++) {
            SandboxCoverageGenerator.Defect expected = SandboxCoverageGenerator.defectOf(generator.next(patients.get(i)));
            assertThat(seeded.get(i).defect()).isEqualTo(expected);
            assertThat(SandboxCoverageGenerator.defectOf(found.get(i))).isEqualTo(expected);
        }
        assertThat(seeded.stream().map(SandboxEhr.SeededCoverage::defect).collect(Collectors.toSet()))
                .as("this seed draws every defect").isEqualTo(EnumSet.allOf(SandboxCoverageGenerator.Defect.class));
    }

    @Test
    void eachDefectShowsAsItsDataQualityIssueAndCleanCoveragesMapWithNone() {
        MapFhirCoverage mapper = new MapFhirCoverage(EHR.fhirBaseUrl(), FACILITY);
        List<Coverage> found = search(MapFhirCoverage.MAPPED_ELEMENTS);

        for (int i = 0; i < found.size(); i++) {
            MappedCoverage mapped = mapper.map(found.get(i));
            Set<String> fields = mapped.problems().stream().map(DataQualityIssue::field).collect(Collectors.toSet());
            assertThat(mapped.beneficiaryPatientId()).isEqualTo(patients.get(i));
            switch (seeded.get(i).defect()) {
                case NONE -> assertThat(fields).as(mapped.coverageId()).isEmpty();
                case NO_PAYER_NAME -> assertThat(fields).as(mapped.coverageId()).containsExactly("Coverage.payor");
                case NO_MEMBER_ID -> assertThat(fields).as(mapped.coverageId()).containsExactly("Coverage.subscriberId");
            }
            assertThat(found.get(i).hasType()).as("_elements leaves out what is not mapped").isFalse();
        }
    }

    @Test
    void aWrittenPolicyIsStoredByTheEhrAndMapsBackAsWritten() {
        MapFhirCoverage mapper = new MapFhirCoverage(EHR.fhirBaseUrl(), FACILITY);
        WriteInsuranceToCoverage writer = new WriteInsuranceToCoverage(FACILITY);
        // a Coverage of its own, without the seed tag, so the searches above do not see it change
        Coverage created = new SandboxCoverageGenerator(9802L).next(patients.get(0));
        String id = EHR.adminClient().create().resource(created).execute().getId().getIdPart();
        Coverage full = EHR.adminClient().read().resource(Coverage.class).withId(id).execute();
        InsurancePolicy before = mapper.map(full).policy();
        InsurancePolicy changed = new InsurancePolicy(before.payer(), before.payerReference(), "ZZ0000042", "G55555",
                "Sandbox Employees", "Robin Sandbox", "child", LocalDate.of(2026, 1, 1), LocalDate.of(2026, 12, 31), "active");

        Coverage written = writer.apply(full, changed);
        assertThat(written.getIdElement().getVersionIdPart()).as("the update carries the version it was read at").isEqualTo("1");
        EHR.adminClient().update().resource(written).execute();

        Coverage stored = EHR.adminClient().read().resource(Coverage.class).withId(id).execute();
        assertThat(stored.getIdElement().getVersionIdPart()).isEqualTo("2");
        assertThat(mapper.map(stored).policy()).isEqualTo(changed);
        assertThat(stored.getType().equalsDeep(full.getType())).as("the plan type is untouched").isTrue();
        assertThatThrownBy(() -> EHR.adminClient().update().resource(written).execute())
                .as("a second update from the stale version is refused (HAPI JPA answers 409, FHIR names 412)")
                .isInstanceOfAny(ResourceVersionConflictException.class, PreconditionFailedException.class);
    }

    private static List<Coverage> search(String elements) {
        String url = EHR.fhirBaseUrl() + "/Coverage?_tag=" + TAG + "&_sort=_lastUpdated&_count=25"
                + (elements == null ? "" : "&_elements=" + elements);
        Bundle page = EHR.adminClient().search().byUrl(url).returnBundle(Bundle.class).execute();
        List<Coverage> found = new ArrayList<>();
        while (true) {
            page.getEntry().forEach(e -> found.add((Coverage) e.getResource()));
            if (page.getLink(Bundle.LINK_NEXT) == null) {
                return found;
            }
            page = EHR.adminClient().loadPage().next(page).execute();
        }
    }
}
