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
        assertThat(mappings.rescan()).singleElement().asString().contains("clinic-b.yaml: ADT^A08 is already taken by")
                .contains("clinic-a.yaml");
        assertThat(mappings.forMessage("ADT", "A08")).map(MappingFile::source).contains("clinic-a");
    }

    @Test
    void aBrokenFileAtStartUpStopsItNamingFileLineAndRule() throws Exception {
        Files.writeString(folder.resolve("clinic-a.yaml"), CLINIC_A.replace("PID-5-1-1", "PID-5-1-9"));

        assertThatThrownBy(() -> mappings().loadAll()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(folder.resolve("clinic-a.yaml") + ":9: rule 'name.family': 'PID-5-1-9'");
    }
}
