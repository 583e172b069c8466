package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import ca.uhn.hl7v2.ErrorCode;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.mapping.MapFhirPatient;
import org.portalsync.mapping.MapFhirPatientCorpusTest;
import org.portalsync.mapping.MappedPatient;
import org.portalsync.mapping.PatientMappingSettings;
import org.portalsync.portal.PortalPatient;

/**
 * The shipped {@code config/mappings/hl7v2-adt-patient.yaml} over every ADT A01/A04/A08/A28/A31/A40 message of the
 * shared corpus ({@code ../shared/corpus/hl7v2}): each becomes a Patient the engine's FHIR mapping accepts, with
 * the values read from the file by hand below, or is refused naming the field and the problem.
 */
class ShippedAdtMappingCorpusTest {

    static final Path SHIPPED = Path.of("config/mappings/hl7v2-adt-patient.yaml");

    /** What each message holds, read from the file: MRN (PID-3 with type MR), legal family name, birth date, sex, NK1 count. */
    record Maps(String mrn, String family, String birthDate, String gender, int contacts) {
    }

    /** Why a message is refused: the field and the HL7 error code. */
    record Refused(String location, ErrorCode code, String why) {
    }

    // The GHH samples (v2.8) send two names: PID-5(0) is type D (display, so "usual"), PID-5(1) type L (legal)
    private static final Maps GHH_WITH_NK1 = new Maps("PATID1234", "Josh", "1988-08-18", "male", 1);
    private static final Maps GHH_WITHOUT_NK1 = new Maps("PATID1234", "Josh", "1988-08-18", "male", 0);

    static final Map<String, Object> EXPECTED = Map.ofEntries(
            Map.entry("ADT_A01-1.hl7", GHH_WITH_NK1),
            Map.entry("ADT_A01-2.hl7", new Maps("10006579", "DUCK", "1924-10-10", "male", 1)),
            Map.entry("ADT_A01-3.hl7", new Maps("PATID1234", "EVERYMAN", "1961-06-15", "male", 1)),
            Map.entry("ADT_A04-1.hl7", GHH_WITH_NK1),
            // PID-7 19850101000000+0700: the birth date as the sender wrote it, whatever the offset
            Map.entry("ADT_A04-2.hl7", new Maps("123456789", "BROS", "1985-01-01", "male", 2)),
            Map.entry("ADT_A04-3.hl7", new Maps("MRN12345", "Doe", "1978-01-01", "female", 1)),
            // 0000000001^^^MR: the sender put MR in PID-3-4 (assigning authority), not PID-3-5 (identifier type)
            Map.entry("ADT_A04-4.hl7", new Refused("PID-3(5=MR)-1", ErrorCode.REQUIRED_FIELD_MISSING, "no PID-3 repetition of type MR")),
            Map.entry("ADT_A08-1.hl7", GHH_WITH_NK1),
            Map.entry("ADT_A28-1.hl7", GHH_WITH_NK1),
            Map.entry("ADT_A28-2.hl7", GHH_WITHOUT_NK1),
            Map.entry("ADT_A31-1.hl7", GHH_WITH_NK1),
            Map.entry("ADT_A31-2.hl7", GHH_WITHOUT_NK1),
            // A40: the surviving patient (PID) replaces the MRG one; the listener refuses it while the portal does not know
            // the merged patient (Hl7v2MergeMllpIT)
            Map.entry("ADT_A40-1.hl7", new Maps("12345", "Test", "2018-02-05", "female", 0)),
            // two PID/MRG pairs: one merge per message
            Map.entry("ADT_A40-2.hl7", new Refused("MRG", ErrorCode.SEGMENT_SEQUENCE_ERROR, "two merges in one message")));

    static Optional<Path> corpus() {
        return MapFhirPatientCorpusTest.corpus().map(fhir -> fhir.resolveSibling("hl7v2"));
    }

    static MappingFile shipped() throws IOException {
        return new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> key.equals("portal-sync.mapping.mrn-system")
                ? Optional.of(MapHl7v2MessageTest.MRN_SYSTEM) : Optional.empty()).read(SHIPPED.toString(), Files.readString(SHIPPED));
    }

    static Stream<String> adtFiles() throws IOException {
        Optional<Path> dir = corpus();
        if (dir.isEmpty()) {
            return Stream.of("<corpus folder missing>");
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.matches("ADT_A0\\d.*|ADT_A28.*|ADT_A31.*|ADT_A40.*")).sorted()
                    .toList().stream();
        }
    }

    @Test
    void everyAdtFileOfTheCorpusHasAnExpectedOutcome() throws IOException {
        assumeTrue(corpus().isPresent(), "the shared corpus is not beside this checkout");
        assertThat(adtFiles()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }

    @ParameterizedTest
    @MethodSource("adtFiles")
    void mapsOrRefusesEachAsExpected(String name) throws IOException {
        assumeTrue(corpus().isPresent(), "the shared corpus is not beside this checkout");
        String text = Files.readString(corpus().get().resolve(name));
        Hl7v2Message message = new Hl7v2Reader().read(text);
        MappingFile mapping = shipped();
        assertThat(mapping.accepts(message.type(), message.event())).as(name).isTrue();
        Object expected = EXPECTED.get(name);

        if (expected instanceof Refused refused) {
            assertThatThrownBy(() -> new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(mapping, message)).as(refused.why())
                    .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                        assertThat(e.location()).isEqualTo(refused.location());
                        assertThat(e.code()).isEqualTo(refused.code());
                    });
            return;
        }
        Maps maps = (Maps) expected;
        MappedMessage mapped = new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(mapping, message);
        MappedPatient portal = new MapFhirPatient(new PatientMappingSettings(MapHl7v2MessageTest.MRN_SYSTEM, "US"))
                .map(mapping.source(), (Patient) mapped.resource());

        assertThat(portal.rejected()).as(name + ": " + portal.issues()).isFalse();
        PortalPatient patient = portal.patient();
        assertThat(patient.mrn()).isEqualTo(maps.mrn());
        assertThat(patient.legalName().family()).isEqualTo(maps.family());
        assertThat(patient.birthDate()).hasToString(maps.birthDate());
        assertThat(patient.gender()).isEqualTo(maps.gender());
        assertThat(((Patient) mapped.resource()).getContact()).hasSize(maps.contacts());
        if (name.startsWith("ADT_A40")) {
            // MRG-1 56789 of BCBS: the record an ADT of that MRN makes
            assertThat(((Patient) mapped.resource()).getLinkFirstRep().getType()).isEqualTo(Patient.LinkType.REPLACES);
            assertThat(((Patient) mapped.resource()).getLinkFirstRep().getOther().getReference()).isEqualTo(new MapHl7v2Message(
                    MapHl7v2MessageTest.FHIR).map(mapping, new Hl7v2Reader().read(text.replace("PID|1||12345^", "PID|1||56789^")
                            .replaceAll("\r?\nMRG[^\r\n]*", ""))).record());
        }
        assertThat(mapped.unmapped()).as("every sample has fields the shipped mapping leaves to the digest").isNotEmpty();
    }

    @Test
    void theSamePatientInAnotherMessageIsTheSameRecord() throws IOException {
        assumeTrue(corpus().isPresent(), "the shared corpus is not beside this checkout");
        MappingFile mapping = shipped();
        MapHl7v2Message mapper = new MapHl7v2Message(MapHl7v2MessageTest.FHIR);
        Stream<String> ghh = Stream.of("ADT_A01-1.hl7", "ADT_A04-1.hl7", "ADT_A08-1.hl7", "ADT_A28-2.hl7", "ADT_A31-2.hl7");
        assertThat(ghh.map(name -> {
            try {
                return mapper.map(mapping, new Hl7v2Reader().read(Files.readString(corpus().get().resolve(name)))).record();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).distinct()).as("one MRN and authority (PATID1234, test1) in five messages").hasSize(1);
    }
}
