package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import ca.uhn.hl7v2.ErrorCode;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shipped {@code config/mappings/hl7v2-oru-observation.yaml}: every ORU^R01 of the shared corpus is mapped or
 * refused naming the field and the problem; a result message written here maps each OBX to an Observation of the
 * patient the ADT mapping makes, with its value by type, unit, range, flag, status and time in the sender's zone;
 * a corrected result has the same id as the original.
 */
class ShippedOruMappingTest {

    static final Path SHIPPED = Path.of("config/mappings/hl7v2-oru-observation.yaml");

    /** Why each corpus message is refused, read from the file by hand: the field, the HL7 error code and the reason. */
    record Refused(String location, ErrorCode code, String why) {
    }

    static final Map<String, Refused> EXPECTED = Map.of(
            // its first OBX (an RP, a pointer to an image) has no set id, so its result has no id of its own
            "ORU_R01-1.hl7", new Refused("OBX-1", ErrorCode.REQUIRED_FIELD_MISSING, "OBX number 1 without a set id"),
            // a structured numeric (SN, ^182): a value type the shipped mapping does not take (and PID-3 has no MR)
            "ORU_R01-2.hl7", new Refused("OBX-2", ErrorCode.DATA_TYPE_ERROR, "SN is not NM, ST, TX, CE or CWE"));

    static MappingFile shipped() throws IOException {
        return read(SHIPPED);
    }

    static MappingFile read(Path file) throws IOException {
        return new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> key.equals("portal-sync.mapping.mrn-system")
                ? Optional.of(MapHl7v2MessageTest.MRN_SYSTEM) : Optional.empty()).read(file.toString(), Files.readString(file));
    }

    static Stream<String> oruFiles() throws IOException {
        Optional<Path> dir = ShippedAdtMappingCorpusTest.corpus();
        if (dir.isEmpty()) {
            return Stream.of("<corpus folder missing>");
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith("ORU_")).sorted().toList().stream();
        }
    }

    /** A result message of a lab: a number with unit, range and flag, a text, a code (corrected), a note and a Z-segment. */
    static String oru(String controlId, String mrn, String cholesterol, String status) {
        return String.join("\r",
                "MSH|^~\\&|LAB|CLINIC-F|PORTAL|PS|20240301120000||ORU^R01^ORU_R01|" + controlId + "|P|2.5.1",
                "PID|1||" + mrn + "^^^CLINIC-F^MR||Lovelace^Ada||19151210|F",
                "OBR|1|PL-1^CLINIC-F|FO-" + mrn + "^LAB|24331-1^Lipid panel^LN|||20240301083000",
                "OBX|1|NM|2093-3^Cholesterol^LN||" + cholesterol + "|mg/dL^mg/dL^UCUM|<200|H|||" + status + "|||20240301090000",
                "OBX|2|ST|8251-1^Comment^LN||fasting sample \\T\\ rested||||||F",
                "OBX|3|CE|5778-6^Color of Urine^LN||Y^Yellow^L||||||C",
                "NTE|1||a note",
                "ZLB|1|x");
    }

    static List<Observation> map(String text) throws IOException {
        MappedMessage mapped = new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(shipped(), new Hl7v2Reader().read(text));
        return mapped.resources().stream().map(Observation.class::cast).toList();
    }

    @Test
    void everyOruFileOfTheCorpusHasAnExpectedOutcome() throws IOException {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        assertThat(oruFiles()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }

    @ParameterizedTest
    @MethodSource("oruFiles")
    void mapsOrRefusesEachCorpusFileWithAClearError(String name) throws IOException {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        String text = Files.readString(ShippedAdtMappingCorpusTest.corpus().get().resolve(name));
        Hl7v2Message message = new Hl7v2Reader().read(text);
        MappingFile mapping = shipped();
        assertThat(mapping.accepts(message.type(), message.event())).as(name).isTrue();
        Refused refused = EXPECTED.get(name);

        assertThatThrownBy(() -> new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(mapping, message)).as(refused.why())
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo(refused.location());
                    assertThat(e.code()).isEqualTo(refused.code());
                    assertThat(e.problem()).contains("(in OBX number 1 of the message)").contains(SHIPPED.toString());
                });
    }

    @Test
    void eachObxBecomesAnObservationOfThePatientTheAdtMappingMakes() throws IOException {
        List<Observation> results = map(oru("CTRL-10771", "A-10771", "182", "F"));

        assertThat(results).hasSize(3);
        Observation number = results.get(0);
        assertThat(number.getStatus()).isEqualTo(Observation.ObservationStatus.FINAL);
        assertThat(number.getCode().getCodingFirstRep().getSystem()).isEqualTo("http://loinc.org");
        assertThat(number.getCode().getCodingFirstRep().getCode()).isEqualTo("2093-3");
        assertThat(number.getValueQuantity().getValue()).isEqualByComparingTo("182");
        assertThat(number.getValueQuantity().getUnit()).isEqualTo("mg/dL");
        assertThat(number.getValueQuantity().getSystem()).isEqualTo("http://unitsofmeasure.org");
        assertThat(number.getReferenceRangeFirstRep().getText()).isEqualTo("<200");
        assertThat(number.getInterpretationFirstRep().getCodingFirstRep().getCode()).isEqualTo("H");
        // OBX-14 without an offset: read in America/New_York (EST in March before the 10th)
        assertThat(number.getEffectiveDateTimeType().getValueAsString()).isEqualTo("2024-03-01T09:00:00-05:00");
        assertThat(number.getBasedOnFirstRep().getIdentifier().getValue()).isEqualTo("FO-A-10771");
        assertThat(results.get(1).getValueStringType().getValue()).isEqualTo("fasting sample & rested");
        assertThat(results.get(1).getEffectiveDateTimeType().getValueAsString()).as("no OBX-14: the order's OBR-7")
                .isEqualTo("2024-03-01T08:30:00-05:00");
        CodeableConcept coded = results.get(2).getValueCodeableConcept();
        assertThat(coded.getCodingFirstRep().getCode()).isEqualTo("Y");
        assertThat(coded.getText()).isEqualTo("Yellow");
        assertThat(results.get(2).getStatus()).isEqualTo(Observation.ObservationStatus.CORRECTED);

        // the subject is the id the shipped ADT mapping gives the same MRN of the same source
        Patient patient = (Patient) new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(ShippedAdtMappingCorpusTest.shipped(),
                new Hl7v2Reader().read(Hl7v2MllpIT.adt("A04", "CTRL-10772",
                        "PID|1||A-10771^^^CLINIC-F^MR||Lovelace^Ada||19151210|F"))).resource();
        assertThat(results).extracting(o -> o.getSubject().getReference()).containsOnly("Patient/" + patient.getIdElement().getIdPart());
    }

    @Test
    void aCorrectedResultHasTheIdOfTheOriginalAndAnotherOrderAnotherId() throws IOException {
        List<Observation> original = map(oru("CTRL-10773", "A-10773", "182", "F"));
        List<Observation> corrected = map(oru("CTRL-10774", "A-10773", "172", "C"));
        List<Observation> otherOrder = map(oru("CTRL-10775", "A-10775", "182", "F"));

        assertThat(corrected).extracting(IBaseResource::getIdElement).extracting(id -> id.getIdPart())
                .containsExactlyElementsOf(original.stream().map(o -> o.getIdElement().getIdPart()).toList());
        assertThat(corrected.get(0).getStatus()).isEqualTo(Observation.ObservationStatus.CORRECTED);
        assertThat(otherOrder.get(0).getIdElement().getIdPart()).isNotEqualTo(original.get(0).getIdElement().getIdPart());
        assertThat(original).extracting(o -> o.getIdElement().getIdPart()).doesNotHaveDuplicates();
    }

    @Test
    void twoResultsOfOneOrderWithOneSetIdRefuseTheMessage() {
        String text = oru("CTRL-10776", "A-10776", "182", "F").replace("OBX|2|ST", "OBX|1|ST");

        assertThatThrownBy(() -> map(text)).isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
            assertThat(e.location()).isEqualTo("OBX-1");
            assertThat(e.problem()).startsWith("the same id as OBX number 1").contains("(in OBX number 2 of the message)");
        });
    }

    @Test
    void aResultWhosePatientHasNoMrnIsRefused() {
        String text = oru("CTRL-10777", "A-10777", "182", "F").replace("^^^CLINIC-F^MR", "^^^CLINIC-F^PI");

        assertThatThrownBy(() -> map(text)).isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
            assertThat(e.location()).isEqualTo("PID-3(5=MR)-1");
            assertThat(e.code()).isEqualTo(ErrorCode.REQUIRED_FIELD_MISSING);
        });
    }
}
