package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.ConfigurationException;

/** The mapping folder read at start-up and again on each rescan: added, changed, broken and removed files. */
class Hl7v2MappingsTest {

    static final String CLINIC_A = """
            source: clinic-a
            zone: America/New_York
            messages:
              - {type: ADT, events: [A04, A08]}
            produces: Patient
            id:
              from: [PID-3(5=MR)-1]
            rules:
              - {source: PID-5-1-1, target: name.family}
            """;

    @TempDir
    Path folder;

    private final List<String> alerts = new ArrayList<>();

    private Hl7v2Mappings mappings() {
        return new Hl7v2Mappings(folder, new MappingFileReader(MapHl7v2MessageTest.FHIR, key -> Optional.empty()), alerts::add);
    }

    @Test
    void aFileAddedOrChangedServesAfterTheNextRescanWithoutARestart() throws Exception {
        Hl7v2Mappings mappings = mappings().loadAll();
        assertThat(mappings.forMessage("ADT", "A04")).isEmpty();

        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A);
        assertThat(mappings.rescan()).isEmpty();
        assertThat(mappings.forMessage("ADT", "A04")).map(MappingFile::source).contains("clinic-a");

        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A.replace("A04, A08", "A04, A08, A31"));
        mappings.rescan();
        assertThat(mappings.forMessage("ADT", "A31")).isPresent();

        Files.delete(folder.resolve("clinic-a.yaml"));
        mappings.rescan();
        assertThat(mappings.forMessage("ADT", "A04")).isEmpty();
        assertThat(alerts).isEmpty();
    }

    @Test
    void aBrokenNewVersionLeavesThePreviousServingAndIsReportedOnce() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A);
        Hl7v2Mappings mappings = mappings().loadAll();

        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A.replace("target: name.family", "target: name.surname"));
        List<String> problems = mappings.rescan();
        mappings.rescan();

        assertThat(problems).singleElement().asString().startsWith(folder.resolve("clinic-a.yaml") + ":9: rule 'name.surname'")
                .endsWith("; its previous version still serves");
        assertThat(alerts).as("once per broken version, not on every scan").containsExactlyElementsOf(problems);
        assertThat(mappings.forMessage("ADT", "A04")).as("the previous version").isPresent();

        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A.replace("A04, A08", "A04"));
        assertThat(mappings.rescan()).isEmpty();
        assertThat(mappings.forMessage("ADT", "A08")).as("the fixed version serves").isEmpty();
    }

    @Test
    void twoFilesMayNotTakeTheSameMessage() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A);
        Hl7v2Mappings mappings = mappings().loadAll();

        Files.writeString(folder.resolve("clinic-b.yaml"), CLINIC_A.replace("clinic-a", "clinic-b").replace("A04, A08", "A08"));
        assertThat(mappings.rescan()).singleElement().asString().contains("clinic-b.yaml: ADT^A08 from every sender is already taken by")
                .contains("clinic-a.yaml");
        assertThat(mappings.forMessage("ADT", "A08")).map(MappingFile::source).contains("clinic-a");
    }

    @Test
    void aBrokenFileAtStartUpStopsItNamingFileLineAndRule() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A.replace("PID-5-1-1", "PID-5-1-9"));

        assertThatThrownBy(() -> mappings().loadAll()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(folder.resolve("clinic-a.yaml") + ":9: rule 'name.family': 'PID-5-1-9'");
    }

    /** CLINIC_A for other senders: its own source, scoped by {@code senders}. */
    private static String scoped(String source, String senders) {
        return CLINIC_A.replace("source: clinic-a", "source: " + source + "\nsenders: " + senders);
    }

    private static Hl7v2Message adtFrom(String application, String facility) {
        return MapHl7v2MessageTest.message("MSH|^~\\&|" + application + "|" + facility + "|PORTAL|PS|20240301120000||ADT^A04|CTRL-1|P|2.5.1",
                "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada");
    }

    @Test
    void theMostSpecificMappingThatServesTheSenderTakesItsMessage() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A);
        Files.writeString(folder.resolve("epic-north.yaml"), scoped("epic-north", "[{application: EPIC, facility: NORTH}]"));
        Files.writeString(folder.resolve("epic.yaml"), scoped("epic", "[{application: EPIC}]"));
        Files.writeString(folder.resolve("south.yaml"), scoped("south", "[{facility: SOUTH}]"));
        Hl7v2Mappings mappings = mappings().loadAll();

        assertThat(mappings.forMessage(adtFrom("EPIC", "NORTH"))).map(MappingFile::source).contains("epic-north");
        assertThat(mappings.forMessage(adtFrom("EPIC", "SOUTH"))).as("the application over the facility").map(MappingFile::source)
                .contains("epic");
        assertThat(mappings.forMessage(adtFrom("CERNER", "SOUTH"))).map(MappingFile::source).contains("south");
        assertThat(mappings.forMessage(adtFrom("CERNER", "NORTH"))).as("no scope names it: the unscoped mapping")
                .map(MappingFile::source).contains("clinic-a");
        assertThat(mappings.forMessage(adtFrom("epic", "NORTH"))).as("compared exactly").map(MappingFile::source).contains("clinic-a");
    }

    @Test
    void aMessageNoMappingServesIsRefusedNamingTypeEventAndSender() throws Exception {
        Files.writeString(folder.resolve("epic-north.yaml"), scoped("epic-north", "[{application: EPIC, facility: NORTH}]"));
        Hl7v2Mappings mappings = mappings().loadAll();
        Hl7v2Message fromCerner = adtFrom("CERNER", "NORTH");

        assertThat(mappings.forMessage(fromCerner)).isEmpty();
        Hl7v2MessageException refused = mappings.notTaken(fromCerner);
        assertThat(refused.getMessage()).isEqualTo("MSH-9: no mapping in config/mappings takes ADT^A04 from sender CERNER^NORTH "
                + "(MSH-3^MSH-4); the mappings of ADT^A04 serve only {application: EPIC, facility: NORTH}");
        assertThat(refused.code()).isEqualTo(ca.uhn.hl7v2.ErrorCode.UNSUPPORTED_EVENT_CODE);
    }

    @Test
    void twoFilesWithTheSameScopeForOneMessageAreRefusedAtLoadNamingBoth() throws Exception {
        Files.writeString(folder.resolve("epic-1.yaml"), scoped("epic", "[{application: EPIC, facility: NORTH}]"));
        Files.writeString(folder.resolve("epic-2.yaml"), scoped("epic", "[{facility: NORTH, application: EPIC}]").replace("A04, A08", "A08"));

        assertThatThrownBy(() -> mappings().loadAll()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(folder.resolve("epic-2.yaml") + ": ADT^A08 from {application: EPIC, facility: NORTH} is already taken by "
                        + folder.resolve("epic-1.yaml"));
    }

    @Test
    void aScopedFileMustStoreUnderASourceOfItsOwnSoThatReusedMrnsStayApart() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A);
        Files.writeString(folder.resolve("epic.yaml"), scoped("clinic-a", "[{application: EPIC}]"));

        assertThatThrownBy(() -> mappings().loadAll()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(folder.resolve("epic.yaml") + ": source 'clinic-a' is also the source of " + folder.resolve("clinic-a.yaml")
                        + ", which serves every sender, this file {application: EPIC}; give each sender's mappings a source of their own "
                        + "(e.g. clinic-a-epic)");
    }

    @Test
    void twoFilesMayNotShareAMappingName() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), "mapping: adt\n" + CLINIC_A);
        Files.writeString(folder.resolve("epic.yaml"), "mapping: adt\n" + scoped("epic", "[{application: EPIC}]"));

        assertThatThrownBy(() -> mappings().loadAll()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(folder.resolve("epic.yaml") + ": mapping name 'adt' is already used by " + folder.resolve("clinic-a.yaml"));
    }

    @Test
    void aScopedFileDroppedInServesItsSenderOnlyAndABrokenOneLeavesThePreviousSetServing() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A);
        Hl7v2Mappings mappings = mappings().loadAll();

        Files.writeString(folder.resolve("epic.yaml"), scoped("epic", "[{application: EPIC}]"));
        assertThat(mappings.rescan()).isEmpty();
        assertThat(mappings.forMessage(adtFrom("EPIC", "NORTH"))).map(MappingFile::source).contains("epic");
        assertThat(mappings.forMessage(adtFrom("LEGACY", "CLINIC-A"))).map(MappingFile::source).contains("clinic-a");

        Files.writeString(folder.resolve("epic.yaml"), scoped("epic", "[{application: EPIC}]").replace("name.family", "name.surname"));
        Files.writeString(folder.resolve("cerner.yaml"), scoped("cerner", "[{application: CERNER}]").replace("PID-5-1-1", "PID-5-1-9"));
        assertThat(mappings.rescan()).hasSize(2);
        assertThat(alerts).hasSize(2);
        assertThat(mappings.forMessage(adtFrom("EPIC", "NORTH"))).as("the previous version").map(MappingFile::source).contains("epic");
        assertThat(mappings.forMessage(adtFrom("CERNER", "NORTH"))).as("the broken new file is not used").map(MappingFile::source)
                .contains("clinic-a");
    }
}
