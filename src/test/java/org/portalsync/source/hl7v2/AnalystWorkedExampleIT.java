package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * The README's worked example for interface analysts ("Worked example: a sender that puts MR in PID-3-4"), step by
 * step against the running engine: the sender's sample message is refused by the shipped mapping, the analyst makes
 * the two replacements the README gives, the engine takes the changed file without a restart, and the sample sent
 * again becomes the patient in the portal.
 */
class AnalystWorkedExampleIT {

    /** A registration from a sender that writes its identifier types in PID-3-4 (HL7 v2.3, with a byte order mark). */
    static final Path SAMPLE = Path.of("..", "shared", "corpus", "hl7v2", "ADT_A04-4.hl7");

    @TempDir
    Path mappings;

    /** What the analyst's MLLP test tool sends of the file: the message without the byte order mark, segments ended by CR. */
    static String asSent(Path file) throws Exception {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return text.replace("\uFEFF", "").strip().replace("\r\n", "\r").replace('\n', '\r');
    }

    @Test
    void theSamplesSenderIsConnectedByTheTwoReplacementsTheReadmeGives() throws Exception {
        int port = FreePorts.next();
        String shipped = Files.readString(ShippedAdtMappingCorpusTest.SHIPPED);
        Path mapping = mappings.resolve("hl7v2-adt-patient.yaml");
        Files.writeString(mapping, shipped);
        Map<String, String> settings = Hl7v2MllpIT.settings(port);
        settings.put(PortalSyncSettings.HL7V2_MAPPINGS_DIR, mappings.toString());
        try (TestEngine engine = TestEngine.start(settings)) {
            String sample = asSent(SAMPLE);

            var refused = Hl7v2MllpIT.send(port, sample);
            assertThat(Hl7v2MllpIT.get(refused, "/MSA-1")).isEqualTo("AE");
            assertThat(Hl7v2MllpIT.get(refused, "/ERR-8")).startsWith("PID-3(5=MR)-1: required");

            // the README's two replacements, as an analyst makes them in the copy for this sender
            Files.writeString(mapping, shipped.replace("PID-3(5=MR)", "PID-3(4=MR)").replace("PID-3-5", "PID-3-4"));
            Hl7v2MllpIT.await(() -> "AA".equals(Hl7v2MllpIT.get(Hl7v2MllpIT.send(port, sample), "/MSA-1")));
            Hl7v2MllpIT.awaitInboxDone(engine);

            assertThat(engine.rows("SELECT source, mrn, legal_family, legal_given, birth_date FROM portal_patient"))
                    .singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("source", "legacy-adt").containsEntry("mrn", "0000000001")
                                .containsEntry("legal_family", "Bixby").containsEntry("legal_given", "Timothy Paul");
                        assertThat(row.get("birth_date")).hasToString("2008-01-06");
                    });
        }
    }
}
