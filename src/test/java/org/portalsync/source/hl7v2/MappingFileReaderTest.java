package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.portalsync.config.ConfigurationException;

/** A mapping file is checked whole when it is read: each mistake names the file, the line and the rule. */
class MappingFileReaderTest {

    private static final String HEAD = """
            source: clinic-a
            zone: America/New_York
            messages:
              - {type: ADT, events: [A04]}
            produces: Patient
            id:
              from: [PID-3(5=MR)-1]
            tables:
              sex: {F: female}
            rules:
            """;

    /** The rules below HEAD begin on line 11. */
    private static String withRules(String rules) {
        return HEAD + rules;
    }

    private static String error(String text) {
        try {
            new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml", text);
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
        throw new AssertionError("the mapping was accepted");
    }

    @Test
    void readsAValidFile() {
        MappingFile mapping = new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml",
                withRules("  - {source: PID-8, target: gender, map: sex}\n"));

        assertThat(mapping.name()).isEqualTo("clinic-a");
        assertThat(mapping.accepts("ADT", "A04")).isTrue();
        assertThat(mapping.accepts("ADT", "A08")).isFalse();
        assertThat(mapping.readFields()).contains("PID", "PID-3", "PID-8");
    }

    @Test
    void anUnknownSegmentFieldOrComponentIsNamedWithItsLine() {
        assertThat(error(withRules("  - {source: PID-8, target: gender}\n  - {source: QQQ-1, target: birthDate}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:12: rule 'birthDate': segment QQQ does not exist in HL7 v2.5.1 "
                        + "(a site's own segments begin with Z)");
        assertThat(error(withRules("  - {source: PID-40, target: birthDate}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'birthDate': 'PID-40': PID has 39 fields in HL7 v2.5.1");
        assertThat(error(withRules("  - {source: PID-7-9, target: birthDate}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'birthDate': 'PID-7-9': PID-7 is a TS with 2 components");
        assertThat(error(withRules("  - {source: PID 7, target: birthDate}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'birthDate': 'PID 7' is not an HL7 v2 field path");
        // Z-segments are the site's own: HL7 defines none of them
        assertThat(new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml",
                withRules("  - {source: ZPI-3-2, target: birthDate}\n")).readFields()).contains("ZPI-3");
    }

    @Test
    void anUnknownFhirElementIsNamedWithItsLine() {
        assertThat(error(withRules("  - {source: PID-7, target: dateOfBirth}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'dateOfBirth': 'dateOfBirth': Patient has no element 'dateOfBirth' in FHIR R4");
        assertThat(error(withRules("  - each: PID-3\n    target: identifier\n    rules:\n      - {source: PID-3-1, target: valu}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:14: rule 'valu': 'valu': Identifier has no element 'valu' in FHIR R4");
        assertThat(error(withRules("  - {source: PID-5-1, target: name}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'name': name has elements of its own");
    }

    @Test
    void aMissingRequiredPartIsNamed() {
        assertThat(error(HEAD.replace("zone: America/New_York\n", "") + "  - {source: PID-8, target: gender}\n"))
                .isEqualTo("config/mappings/clinic-a.yaml:1: 'zone' is missing: the IANA zone of the sender's local times, e.g. America/New_York");
        assertThat(error(HEAD.replace("  from: [PID-3(5=MR)-1]\n", "  prefix: a\n") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:7: id needs 'from'");
        assertThat(error(withRules("  - {target: gender}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'gender': give exactly one of source, sources, concat, value, reference or reference-of");
    }

    @Test
    void aDocumentSectionIsReadAndChecked() {
        String document = HEAD.replace("messages:\n  - {type: ADT, events: [A04]}\n", "document:\n  format: json\n  files: \"export-*.json\"\n"
                + "  records: /document/patients\n").replace("[PID-3(5=MR)-1]", "[id]");
        MappingFile mapping = new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml",
                document + "  - {source: name/family, target: name.family}\n");
        assertThat(mapping.document()).isEqualTo(new MappingFile.Document("json", "export-*.json", "/document/patients", Map.of()));
        assertThat(mapping.document().takes("export-2024-03-01.json")).isTrue();
        assertThat(mapping.document().takes("notes.json")).isFalse();
        assertThat(mapping.accepts()).isEmpty();
        assertThat(mapping.recordPath()).isEqualTo("/document/patients");

        assertThat(error(document.replace("format: json", "format: csv") + "  - {source: name, target: gender}\n"))
                .isEqualTo("config/mappings/clinic-a.yaml:4: document.format 'csv': json or xml");
        assertThat(error(document.replace("  records:", "  namespaces: {a: \"urn:a\"}\n  records:") + "  - {source: name, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: a JSON document has no XML namespaces");
        assertThat(error(document.replace("export-*.json", "in/export-*.json") + "  - {source: name, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:5: document.files 'in/export-*.json' names files of the document folder itself");
        assertThat(error(document.replace("document:", "messages:\n  - {type: ADT, events: [A04]}\ndocument:")
                + "  - {source: name, target: gender}\n")).startsWith("config/mappings/clinic-a.yaml:3: a mapping takes HL7 v2 messages, a SOAP "
                        + "operation's records or document files: one of them");
        assertThat(error(document.replace("records: /document/patients", "records: /document/[") + "  - {source: name, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: ");
    }

    @Test
    void anElementFhirRequiresWithoutARuleIsNamed() {
        String appointment = HEAD.replace("produces: Patient", "produces: Appointment");
        assertThat(error(appointment + "  - {source: SCH-2-1, target: identifier.value}\n  - {value: booked, target: status}\n"))
                .startsWith("config/mappings/clinic-a.yaml:11: no rule sets Appointment.participant, which FHIR R4 requires (at least 1); "
                        + "add one, with a fixed value if the sender has none: {value: ..., target: participant}");
        assertThat(error(appointment + "  - {value: booked, target: status}\n  - {source: PID-3-1, target: participant.actor.display}\n"))
                .as("a participant made by a dotted target needs its status too")
                .startsWith("config/mappings/clinic-a.yaml:11: no rule sets Appointment.participant.status");
        assertThat(error(appointment + "  - {value: booked, target: status}\n  - each: AIP\n    target: participant\n    rules:\n"
                + "      - {source: AIP-3-1, target: actor.display}\n"))
                .as("and one made by a group")
                .startsWith("config/mappings/clinic-a.yaml:15: no rule sets Appointment.participant.status");
        assertThat(error(HEAD.replace("produces: Patient", "produces: Observation") + "  - {value: final, target: status}\n"))
                .startsWith("config/mappings/clinic-a.yaml:11: no rule sets Observation.code");
        assertThat(error(HEAD.replace("produces: Patient", "produces: Observation") + "  - {value: final, target: status}\n"
                + "  - {source: OBX-5, target: valueString}\n")).as("a choice element's rule names its type; the message names the choice")
                .startsWith("config/mappings/clinic-a.yaml:11: no rule sets Observation.code");

        MappingFile complete = new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml",
                appointment + "  - {value: booked, target: status}\n  - each: AIP\n    target: participant\n    rules:\n"
                        + "      - {source: AIP-3-1, target: actor.display}\n      - {value: accepted, target: status}\n");
        assertThat(complete.rules()).hasSize(2);
    }

    @Test
    void aSegmentEachARefusalAndAReferenceAreChecked() {
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\neach: QQQ\n") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: segment QQQ does not exist in HL7 v2.5.1");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\neach: PID-3\n") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: 'PID-3': each (at the top of the file) names a segment");
        assertThat(error(withRules("  - {refuse: not taken}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'refuse': needs a when naming the messages it refuses");
        assertThat(error(withRules("  - {refuse: not taken, when: {path: PID-8, equals: X}, target: gender}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'refuse': a refuse rule takes only when and refuse");
        assertThat(error(withRules("  - {reference: {resource: Patiant, from: [PID-3-1]}, target: link.other.reference}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'link.other.reference': 'Patiant' is not a FHIR R4 resource type");
        assertThat(error(withRules("  - {reference: {resource: Patient, from: [PID-3-99]}, target: link.other.reference}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'link.other.reference' reference.from: 'PID-3-99'");
    }

    @Test
    void aBadTableZoneSettingOrKeyIsNamed() {
        assertThat(error(withRules("  - {source: PID-8, target: gender, map: gender}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'gender': table 'gender' is not defined; add it under tables");
        assertThat(error(HEAD.replace("America/New_York", "+05:00") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:2: zone '+05:00' is not an IANA zone id");
        assertThat(error(withRules("  - {value: \"{{portal-sync.mapping.mrn-system}}\", target: identifier.system}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:11: rule 'identifier.system': setting portal-sync.mapping.mrn-system is not set; "
                        + "set it in config/application.properties");
        assertThat(error(withRules("  - {source: PID-8, target: gender, mapp: sex}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: unknown key 'mapp' in a rule");
    }

    @Test
    void twoRulesForOneElementNeedConditionsOrAPriorityList() {
        assertThat(error(withRules("  - {source: PID-8, target: gender}\n  - {source: PID-9, target: gender}\n")))
                .startsWith("config/mappings/clinic-a.yaml:12: rule 'gender' (PID-9): line 11 already sets gender");
    }

    @Test
    void brokenYamlIsNamedWithItsLine() {
        assertThat(error(withRules("  - {source: PID-8, target: gender\n"))).startsWith("config/mappings/clinic-a.yaml:12: not valid YAML");
    }

    @Test
    void theMergeAndAppointmentKeysAreCheckedWhenRead() {
        assertThat(error(withRules("  - {reference: patient, target: link.other.reference}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'link.other.reference': reference: patient needs the file's 'patient' key");
        assertThat(error(HEAD.replace("produces: Patient", "produces: Patient\npatient: hl7v2-adt-patient")
                + "  - {source: PID-8, target: gender}\n")).startsWith("config/mappings/clinic-a.yaml:6: patient names the mapping that makes");
        assertThat(error(withRules("  - {reference-of: [MRG-1-1, MRG-1-4-1], target: link.other.reference}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'link.other.reference': reference-of names the values of another "
                        + "record's id, one path for each of id.from's 1");
        assertThat(error(withRules("  - each: MRG\n    target: link\n    at-most: 0\n    rules:\n"
                + "      - {reference-of: MRG-1-1, target: other.reference}\n      - {value: replaces, target: type}\n")))
                .isEqualTo("config/mappings/clinic-a.yaml:13: rule 'link': at-most must be a whole number of at least 1");
        assertThat(error(withRules("  - {source: PID-29, target: deceasedDateTime, plus: {amount: PID-1}}\n")))
                .startsWith("config/mappings/clinic-a.yaml:11: rule 'deceasedDateTime': plus adds a duration to a date-time");
    }

    @Test
    void sendersAreReadAndABadEntryIsNamedWithItsLine() {
        MappingFile mapping = new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml",
                HEAD.replace("produces: Patient\n", "produces: Patient\nsenders: [{application: EPIC, facility: NORTH}, {facility: SOUTH}]\n")
                        + "  - {source: PID-8, target: gender}\n");
        assertThat(mapping.senders()).containsExactly(new MappingFile.Sender("EPIC", "NORTH"), new MappingFile.Sender(null, "SOUTH"));
        assertThat(mapping.scoped()).isTrue();

        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nsenders: [{}]\n") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: a senders entry names the sending application (MSH-3), the sending facility");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nsenders: [{app: EPIC}]\n") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: unknown key 'app' in a senders entry; known: application, facility");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nsenders: []\n") + "  - {source: PID-8, target: gender}\n"))
                .startsWith("config/mappings/clinic-a.yaml:6: senders names no sender");
    }

    @Test
    void whatAMappingIgnoresIsCheckedWhenRead() {
        String rules = "  - {source: PID-8, target: gender}\n";
        MappingFile mapping = new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()).read("config/mappings/clinic-a.yaml",
                HEAD.replace("produces: Patient\n", "produces: Patient\nignore: [EVN, PID-1, ZPI]\n") + rules);
        assertThat(mapping.ignored()).containsExactlyInAnyOrder("EVN", "PID-1", "ZPI");

        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nignore: [EVN, QQQ]\n") + rules))
                .isEqualTo("config/mappings/clinic-a.yaml:6: ignore: segment QQQ does not exist in HL7 v2.5.1 (a site's own segments begin with Z)");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nignore: [PID-40]\n") + rules))
                .isEqualTo("config/mappings/clinic-a.yaml:6: ignore: 'PID-40': PID has 39 fields in HL7 v2.5.1");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nignore: [PID-11-3]\n") + rules))
                .isEqualTo("config/mappings/clinic-a.yaml:6: ignore: 'PID-11-3': ignore names a segment (EVN) or a whole field (PID-1), "
                        + "as the unmapped list does");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nignore: [PID-8]\n") + rules))
                .isEqualTo("config/mappings/clinic-a.yaml:6: ignore: a rule of this mapping reads PID-8");
        assertThat(error(HEAD.replace("produces: Patient\n", "produces: Patient\nignore: [PID]\n") + rules))
                .isEqualTo("config/mappings/clinic-a.yaml:6: ignore: rules of this mapping read fields of PID; name the fields no rule "
                        + "reads (e.g. PID-1)");
    }
}
