package org.portalsync.mapping;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.PostalAddress;
import org.portalsync.validate.DataQualityIssue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Maps every {@code Patient-*.json} of the shared sample corpus ({@code ../shared/corpus/fhir}, see its
 * SOURCES.md): each must map or be rejected with an issue, never throw. The files whose outcome is
 * obvious are checked field by field below.
 */
public class MapFhirPatientCorpusTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);
    private static final String MISSING = "<corpus folder missing>";

    /** The MRN system each sample uses (they come from different sites); others get a system they lack. */
    private static final Map<String, String> MRN_SYSTEMS = Map.of(
            "Patient-r4spec-example.json", "urn:oid:1.2.36.146.595.217.0.1",
            "Patient-r4spec-f001.json", "urn:oid:2.16.840.1.113883.2.4.6.3",
            "Patient-r4spec-f201.json", "urn:oid:2.16.840.1.113883.2.4.6.3",
            "Patient-r4spec-infant-twin-1.json", "http://coruscanthealth.org/main-hospital/patient-identifier",
            "Patient-r4spec-pat1.json", "urn:oid:0.1.2.3.4.5.6.7",
            "Patient-r4spec-pat3.json", "urn:oid:0.1.2.3.4.5.6.7");

    /** The shared corpus folder, found from the working directory up; empty when it is not there. */
    public static Optional<Path> corpus() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve("../shared/corpus/fhir").normalize();
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
            candidate = d.resolve("shared/corpus/fhir");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    static Stream<String> patientFiles() throws IOException {
        Optional<Path> dir = corpus();
        if (dir.isEmpty()) {
            return Stream.of(MISSING);
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            List<String> names = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("Patient-") && n.endsWith(".json"))
                    .sorted().collect(Collectors.toList());
            return names.stream();
        }
    }

    private static MappedPatient map(String file) throws IOException {
        Path dir = corpus().orElseThrow();
        assumeTrue(Files.exists(dir.resolve(file)), file + " is not in " + dir);
        String json = Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        Patient patient = FhirContext.forR4Cached().newJsonParser().parseResource(Patient.class, json);
        String system = MRN_SYSTEMS.getOrDefault(file, "urn:example:mrn");
        return new MapFhirPatient(new PatientMappingSettings(system, "US"), CLOCK).map("ehr", patient);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("patientFiles")
    void mapsOrRejectsEverySamplePatientWithoutThrowing(String file) {
        assumeTrue(!MISSING.equals(file), "shared FHIR corpus not found at ../shared/corpus/fhir from "
                + System.getProperty("user.dir") + "; skipping the corpus test");

        MappedPatient[] mapped = new MappedPatient[1];
        assertThatCode(() -> mapped[0] = map(file)).doesNotThrowAnyException();
        MappedPatient result = mapped[0];

        assertThat(result.issues()).allSatisfy(issue -> {
            assertThat(issue.record()).startsWith("Patient/");
            assertThat(issue.field()).startsWith("Patient.");
            assertThat(issue.problem()).isNotBlank();
        });
        if (result.rejected()) {
            assertThat(result.patient()).isNull();
            assertThat(result.issues()).anySatisfy(issue -> assertThat(issue.rejectsRecord()).isTrue());
        } else {
            PortalPatient patient = result.patient();
            assertThat(patient.sourceId()).isNotBlank();
            assertThat(patient.legalName() != null || patient.displayName() != null).as("a legal name, in parts or as text").isTrue();
            if (patient.legalName() != null) {
                assertThat(patient.legalName().family() != null || patient.legalName().given() != null).isTrue();
            }
            assertThat(patient.phones()).allSatisfy(p -> assertThat(p.value()).matches("\\+[1-9][0-9]{6,14}"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("patientFiles")
    void readsNothingOutsideTheMappedElements(String file) throws IOException {
        assumeTrue(!MISSING.equals(file), "shared FHIR corpus not found at ../shared/corpus/fhir from "
                + System.getProperty("user.dir") + "; skipping the corpus test");
        MappedPatient full = map(file);
        Path dir = corpus().orElseThrow();
        IParser parser = FhirContext.forR4Cached().newJsonParser();
        Patient patient = parser.parseResource(Patient.class, Files.readString(dir.resolve(file), StandardCharsets.UTF_8));
        // what a server sends for _elements=MAPPED_ELEMENTS
        parser.setEncodeElements(Stream.of(MapFhirPatient.MAPPED_ELEMENTS.split(","))
                .map(e -> "Patient." + e).collect(Collectors.toSet()));
        Patient subset = parser.parseResource(Patient.class, parser.encodeResourceToString(patient));
        String system = MRN_SYSTEMS.getOrDefault(file, "urn:example:mrn");

        MappedPatient fromSubset = new MapFhirPatient(new PatientMappingSettings(system, "US"), CLOCK).map("ehr", subset);

        assertThat(fromSubset).isEqualTo(full);
    }

    @Test
    void mapsTheSpecExamplePatient() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-example.json");

        PortalPatient p = mapped.patient();
        assertThat(p.sourceId()).isEqualTo("example");
        assertThat(p.mrn()).isEqualTo("12345");
        assertThat(p.legalName()).isEqualTo(new PersonName(null, "Peter James", "Chalmers", null));
        assertThat(fullName(p.legalName())).isEqualTo("Peter James Chalmers");
        assertThat(p.preferredName()).isEqualTo(new PersonName(null, "Jim", null, null));
        assertThat(p.birthDate()).isEqualTo(LocalDate.of(1974, 12, 25));
        assertThat(p.gender()).isEqualTo("male");
        assertThat(p.archived()).isFalse();
        assertThat(p.deceased()).as("deceasedBoolean false").isFalse();
        // Australian numbers, but the address has no country and the default is US: reported, not delivered
        assertThat(p.phones()).isEmpty();
        assertThat(p.addresses()).containsExactly(new PostalAddress("home", List.of("534 Erewhon St"), "PleasantVille",
                "Vic", "3999", null, LocalDate.of(1974, 12, 25), null));
        assertThat(p.emergencyContacts()).containsExactly(new EmergencyContact("N",
                new PersonName(null, "Bénédicte", "du Marché", null), "+33237998327", null));
        assertThat(mapped.issues()).extracting(DataQualityIssue::field, DataQualityIssue::rejectsRecord).containsExactly(
                tuple("Patient.address[0].country", false),
                tuple("Patient.telecom[0]", false),
                tuple("Patient.telecom[1].value", false),
                tuple("Patient.telecom[2].value", false));
    }

    @Test
    void rejectsTheNewbornWithoutName() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-newborn.json");

        assertThat(mapped.rejected()).isTrue();
        assertThat(mapped.issues()).filteredOn(DataQualityIssue::rejectsRecord)
                .extracting(DataQualityIssue::record, DataQualityIssue::field)
                .containsExactly(tuple("Patient/newborn", "Patient.name"));
    }

    @Test
    void keepsTheChinesePatientWhoseOnlyNameIsTextWithItAsDisplayName() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-ch-example.json");

        assertThat(mapped.rejected()).isFalse();
        PortalPatient p = mapped.patient();
        assertThat(p.displayName()).isEqualTo("张无忌");
        assertThat(p.legalName()).isNull();
        assertThat(p.birthDate()).isEqualTo(LocalDate.of(1974, 12, 25));
        assertThat(mapped.issues()).extracting(DataQualityIssue::field).doesNotContain("Patient.name")
                // the telecom with only a use is reported, not silently dropped
                .contains("Patient.telecom[0]");
    }

    @Test
    void mapsTheDutchPatientWithDutchNumbersAndPostalCode() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-f001.json");

        PortalPatient p = mapped.patient();
        assertThat(p.mrn()).isEqualTo("738472983");
        assertThat(p.legalName()).isEqualTo(new PersonName(null, "Pieter", "van de Heuvel", "MSc"));
        assertThat(p.preferredName()).isNull();
        assertThat(p.preferredLanguage()).isEqualTo("nl");
        assertThat(p.phones()).containsExactly(new ContactPoint("+31648352638", "mobile", null));
        assertThat(p.emails()).containsExactly(new ContactPoint("p.heuvel@gmail.com", "home", null));
        assertThat(p.addresses()).containsExactly(new PostalAddress("home", List.of("Van Egmondkade 23"), "Amsterdam",
                null, "1024 RJ", "NL", null, null));
        // 0690383372 is not an assigned Dutch range: the contact is kept without phone
        assertThat(p.emergencyContacts()).containsExactly(
                new EmergencyContact("C", new PersonName(null, "Sarah", "Abels", null), null, null));
        assertThat(mapped.issues()).extracting(DataQualityIssue::field)
                .containsExactly("Patient.contact[0].telecom[0].value");
    }

    @Test
    void mapsTheSecondDutchPatientWithPrefixSuffixAndTextOnlyContactName() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-f201.json");

        PortalPatient p = mapped.patient();
        assertThat(p.mrn()).isEqualTo("123456789");
        assertThat(p.legalName()).isEqualTo(new PersonName("Drs.", "Roelof Olaf", "Bor", "PDEng."));
        assertThat(p.preferredLanguage()).isEqualTo("nl-NL");
        assertThat(p.phones()).extracting(ContactPoint::value).containsExactly("+31612345678", "+31201234567");
        assertThat(p.addresses()).extracting(PostalAddress::postalCode, PostalAddress::country)
                .containsExactly(tuple("1055 RW", "NL"));
        assertThat(p.emergencyContacts()).containsExactly(new EmergencyContact("N", null, "+31201234567", null));
        assertThat(mapped.issues()).extracting(DataQualityIssue::field).containsExactly("Patient.contact[0].name");
    }

    @Test
    void mapsTheTwinWithoutActiveAsNotArchived() throws IOException {
        PortalPatient p = map("Patient-r4spec-infant-twin-1.json").patient();

        assertThat(p.mrn()).isEqualTo("MRN7465737865");
        assertThat(fullName(p.legalName())).isEqualTo("Jaina Solo");
        assertThat(p.archived()).isFalse();
        // coded N (next-of-kin, table 0131) and MTH (mother, v3 RoleCode): the mother is the guardian
        assertThat(p.emergencyContacts()).containsExactly(new EmergencyContact("MTH",
                new PersonName(null, "Leia", "Organa", null), "+31201234567", null));
    }

    @Test
    void mapsTheContactWithOnlyAnOrganization() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-pat1.json");

        assertThat(mapped.patient().mrn()).isEqualTo("654321");
        assertThat(fullName(mapped.patient().legalName())).isEqualTo("Duck Donald");
        assertThat(mapped.patient().emergencyContacts()).containsExactly(new EmergencyContact("E", null, null, null));
        assertThat(mapped.issues()).isEmpty();
    }

    @Test
    void mapsTheDeceasedPatientAsDeceasedNotArchived() throws IOException {
        PortalPatient p = map("Patient-r4spec-pat3.json").patient();

        assertThat(p.mrn()).isEqualTo("123457");
        assertThat(fullName(p.legalName())).isEqualTo("Simon Notsowell");
        assertThat(p.archived()).isFalse();
        assertThat(p.deceased()).isTrue();
        assertThat(p.deceasedAt()).isEqualTo(Instant.parse("2015-02-14T03:42:00Z"));
    }

    @Test
    void mapsMomWithLastUpdatedAndReportsHerUnassignedPhoneAndCountrylessAddress() throws IOException {
        MappedPatient mapped = map("Patient-r4spec-mom.json");

        PortalPatient p = mapped.patient();
        assertThat(fullName(p.legalName())).isEqualTo("Eve Everywoman");
        assertThat(p.sourceLastUpdated()).isEqualTo(Instant.parse("2012-05-29T23:45:32Z"));
        assertThat(p.phones()).isEmpty();
        assertThat(p.addresses()).extracting(PostalAddress::lines).containsExactly(List.of("2222 Home Street"));
        assertThat(mapped.issues()).extracting(DataQualityIssue::field)
                .containsExactly("Patient.identifier", "Patient.address[0].country", "Patient.telecom[0].value");
    }

    @Test
    void mapsTheAnimalByItsUsualName() throws IOException {
        PortalPatient p = map("Patient-r4spec-animal.json").patient();

        assertThat(p.legalName()).isEqualTo(new PersonName(null, "Kenzi", null, null));
        assertThat(p.preferredName()).isNull();
        assertThat(p.emergencyContacts()).extracting(EmergencyContact::relationship).containsExactly("C");
    }

    private static String fullName(PersonName name) {
        return Stream.of(name.prefix(), name.given(), name.family(), name.suffix())
                .filter(s -> s != null).collect(Collectors.joining(" "));
    }
}
