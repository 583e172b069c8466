package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hl7v2.ErrorCode;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/**
 * The mapping rules on messages written for each behaviour: ids, repeating groups, value maps, conditions,
 * concatenation and splitting, defaults, required fields, dates and local times in the mapping's zone, and the
 * unmapped-fields report.
 */
class MapHl7v2MessageTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final String MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.4424.1";

    static final String MAPPING = """
            source: clinic-a
            zone: America/New_York
            messages:
              - {type: ADT, events: [A04, A08]}
            produces: Patient
            id:
              from: [PID-3(5=MR)-1, PID-3(5=MR)-4-1]
            tables:
              sex: {F: female, M: male, U: unknown}
              name-use: {L: official, D: usual}
            rules:
              - each: PID-3
                target: identifier
                rules:
                  - {source: PID-3-1, target: value}
                  - when: {path: PID-3-5, equals: MR}
                    value: "{{portal-sync.mapping.mrn-system}}"
                    target: system
              - each: PID-5
                target: name
                required: true
                rules:
                  - {source: PID-5-1-1, target: family, required: true}
                  - {source: PID-5-2, target: given}
                  - {source: PID-5-3, target: given, split: " "}
                  - {concat: [PID-5-2, PID-5-1-1], separator: " ", target: text}
                  - {source: PID-5-7, target: use, map: name-use, default: official}
              - {source: PID-7, target: birthDate, type: date}
              - {source: PID-8, target: gender, map: sex}
              - {source: PID-29, target: deceasedDateTime, type: date-time}
              - each: NK1
                target: contact
                rules:
                  - {source: NK1-2-1, target: name.family}
                  - {sources: [NK1-5-1, NK1-6-1], target: telecom.value}
            """;

    static MappingFile mapping() {
        return new MappingFileReader(FHIR, key -> key.equals("portal-sync.mapping.mrn-system") ? Optional.of(MRN_SYSTEM) : Optional.empty())
                .read("config/mappings/clinic-a.yaml", MAPPING);
    }

    static Hl7v2Message message(String... segments) {
        return new Hl7v2Reader().read(String.join("\r", segments));
    }

    static final String MSH = "MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20240301120000||ADT^A04|CTRL-1|P|2.5.1";

    /** A PID with an MRN, a name and PID-29 (date and time of death). */
    private static String pid29(String value) {
        return "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada" + "|".repeat(24) + value;
    }

    private static Patient map(Hl7v2Message message) {
        return (Patient) new MapHl7v2Message(FHIR).map(mapping(), message).resource();
    }

    @Test
    void buildsThePatientFromRepeatingGroupsMapsAndConditions() {
        Hl7v2Message message = message(MSH,
                "PID|1||A-77^^^CLINIC-A^MR~999-01^^^SSA^SS||Lovelace^Ada^Augusta Byron^^^^L||19151210|F",
                "NK1|1|Lovelace^William|SPO||^^^^^555^1234567|5550001",
                "NK1|2|Byron^Anne||||5550002");

        Patient patient = map(message);

        assertThat(patient.getIdentifier()).extracting(id -> id.getSystem() + "|" + id.getValue())
                .containsExactly(MRN_SYSTEM + "|A-77", "null|999-01");
        assertThat(patient.getNameFirstRep().getFamily()).isEqualTo("Lovelace");
        assertThat(patient.getNameFirstRep().getGiven()).extracting(Object::toString).containsExactly("Ada", "Augusta", "Byron");
        assertThat(patient.getNameFirstRep().getText()).isEqualTo("Ada Lovelace");
        assertThat(patient.getNameFirstRep().getUse().toCode()).isEqualTo("official");
        assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1915-12-10");
        assertThat(patient.getGender().toCode()).isEqualTo("female");
        assertThat(patient.getContact()).extracting(contact -> contact.getName().getFamily() + " " + contact.getTelecomFirstRep().getValue())
                .as("the first source with a value wins").containsExactly("Lovelace 5550001", "Byron 5550002");
    }

    @Test
    void theSamePatientSentAgainGetsTheSameIdAndAnotherMrnAnother() {
        MappingFile mapping = mapping();
        MapHl7v2Message mapper = new MapHl7v2Message(FHIR);
        String a04 = mapper.map(mapping, message(MSH, "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada")).record();
        String a08 = mapper.map(mapping, message(MSH.replace("A04|CTRL-1", "A08|CTRL-2"),
                "PID|1||X-1^^^OTHER^PI~A-77^^^CLINIC-A^MR||King^Ada||19151210|F")).record();
        String other = mapper.map(mapping, message(MSH, "PID|1||A-78^^^CLINIC-A^MR||Lovelace^Ada")).record();
        String otherAuthority = mapper.map(mapping, message(MSH, "PID|1||A-77^^^CLINIC-B^MR||Lovelace^Ada")).record();

        assertThat(a08).isEqualTo(a04).matches("Patient/v2-[0-9a-f]{40}");
        assertThat(other).isNotEqualTo(a04);
        assertThat(otherAuthority).isNotEqualTo(a04);
    }

    @Test
    void aMessageWithoutTheIdsFieldIsRefusedNamingIt() {
        assertThatThrownBy(() -> map(message(MSH, "PID|1||999-01^^^SSA^SS||Lovelace^Ada")))
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo("PID-3(5=MR)-1");
                    assertThat(e.code()).isEqualTo(ErrorCode.REQUIRED_FIELD_MISSING);
                });
    }

    @Test
    void aRequiredFieldOrGroupMissingIsRefusedNamingIt() {
        assertThatThrownBy(() -> map(message(MSH, "PID|1||A-77^^^CLINIC-A^MR||^Ada")))
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo("PID-5-1-1");
                    assertThat(e.problem()).contains("required");
                });
        assertThatThrownBy(() -> map(message(MSH, "PID|1||A-77^^^CLINIC-A^MR")))
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> assertThat(e.location()).isEqualTo("PID-5"));
    }

    @Test
    void aDefaultFillsAnEmptyFieldAndACodeNotInItsTableWhichIsStillReported() {
        // PID-5-7 (name type) empty in the first name, Z in the second, D in the third: default official, official, usual
        MappedMessage mapped = new MapHl7v2Message(FHIR).map(mapping(),
                message(MSH, "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada~Byron^Ada^^^^^Z~King^Ada^^^^^D||19151210|F"));

        assertThat(((Patient) mapped.resource()).getName()).extracting(name -> name.getFamily() + " " + name.getUse().toCode())
                .containsExactly("Lovelace official", "Byron official", "King usual");
        assertThat(mapped.codes()).singleElement().satisfies(code -> assertThat(code.withValue())
                .isEqualTo("PID-5-7: code 'Z' is not in table name-use (config/mappings/clinic-a.yaml:27)"));
    }

    @Test
    void aCodeNotInItsTableIsReportedAndLeftOut() {
        MappedMessage mapped = new MapHl7v2Message(FHIR).map(mapping(), message(MSH, "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada||19151210|X"));

        assertThat(((Patient) mapped.resource()).hasGender()).isFalse();
        assertThat(mapped.codes()).singleElement().satisfies(code -> {
            assertThat(code.withValue()).isEqualTo("PID-8: code 'X' is not in table sex (config/mappings/clinic-a.yaml:29)");
            assertThat(code).as("for the digest: the field and table, not the value")
                    .hasToString("PID-8: a code not in table sex (config/mappings/clinic-a.yaml:29)");
        });
    }

    @Test
    void segmentsAndFieldsNoRuleReadsAreListed() {
        MappedMessage mapped = new MapHl7v2Message(FHIR).map(mapping(), message(MSH,
                "EVN|A04|20240301120000",
                "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada||19151210|F||2106-3|1 Main St^^Springfield",
                "PV1|1|O",
                "ZPI|custom"));

        assertThat(mapped.unmapped()).containsExactly("EVN", "PID-1", "PID-10", "PID-11", "PV1", "ZPI");
    }

    @Test
    void whatTheMappingIgnoresIsNotListedAndTheRestStillIs() {
        MappingFile ignoring = new MappingFileReader(FHIR, key -> key.equals("portal-sync.mapping.mrn-system") ? Optional.of(MRN_SYSTEM) : Optional.empty()).read("config/mappings/clinic-a.yaml",
                MAPPING.replace("produces: Patient\n", "produces: Patient\nignore: [EVN, PID-1, NK1-1]\n"));
        MappedMessage mapped = new MapHl7v2Message(FHIR).map(ignoring, null, message(MSH,
                "EVN|A04|20240301120000",
                "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada||19151210|F||2106-3|1 Main St^^Springfield",
                "NK1|1|Byron^Anne",
                "PV1|1|O",
                "ZPI|custom"));

        assertThat(mapped.unmapped()).containsExactly("PID-10", "PID-11", "PV1", "ZPI");
    }

    @Test
    void aTimeWithAnOffsetKeepsItAndOneWithoutIsReadInTheMappingsZone() {
        Patient withOffset = map(message(MSH, pid29("202403100230-0500")));
        Patient winter = map(message(MSH, pid29("20240110083000")));
        Patient summer = map(message(MSH, pid29("20240710083000")));

        assertThat(withOffset.getDeceasedDateTimeType().getValueAsString()).isEqualTo("2024-03-10T02:30:00-05:00");
        assertThat(winter.getDeceasedDateTimeType().getValueAsString()).isEqualTo("2024-01-10T08:30:00-05:00");
        assertThat(summer.getDeceasedDateTimeType().getValueAsString()).isEqualTo("2024-07-10T08:30:00-04:00");
    }

    @Test
    void aLocalTimeTheZoneSkipsOrRepeatsIsRefusedNotGuessed() {
        // America/New_York: 2024-03-10 02:00-03:00 never happened; 2024-11-03 01:00-02:00 happened twice
        assertThatThrownBy(() -> map(message(MSH, pid29("20240310023000"))))
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo("PID-29");
                    assertThat(e.problem()).contains("daylight-saving gap of America/New_York").doesNotContain("0230");
                    assertThat(e.code()).isEqualTo(ErrorCode.DATA_TYPE_ERROR);
                });
        assertThatThrownBy(() -> map(message(MSH, pid29("20241103013000"))))
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo("PID-29");
                    assertThat(e.problem()).contains("ambiguous").contains("America/New_York");
                });
    }

    @Test
    void aDateThatIsNoneIsRefusedNamingTheField() {
        for (Map.Entry<String, String> bad : Map.of("19151310", "not a calendar date", "1915-12-10", "not an HL7 date").entrySet()) {
            assertThatThrownBy(() -> map(message(MSH, "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada||" + bad.getKey())))
                    .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                        assertThat(e.location()).isEqualTo("PID-7");
                        assertThat(e.problem()).startsWith(bad.getValue());
                    });
        }
    }
}
