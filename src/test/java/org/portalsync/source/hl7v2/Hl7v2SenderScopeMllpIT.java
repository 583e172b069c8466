package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.awaitInboxDone;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.get;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.send;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ca.uhn.hl7v2.model.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * Two senders of one message type over MLLP (HAPI v2's client), each served by its own mapping file (README, "Legacy
 * sources: mapping files", sender scope): the shipped ADT mapping for every sender, and a copy scoped to EPIC at NORTH,
 * dropped in while the engine runs, that reads the MRN where that sender writes it (identifier type in PID-3-4) and
 * stores under a source of its own.
 */
class Hl7v2SenderScopeMllpIT {

    @TempDir
    Path mappings;

    private static String a04(String sender, String controlId, String pid) {
        return "MSH|^~\\&|" + sender + "|PORTAL|PS|20240301120000||ADT^A04^ADT_A01|" + controlId + "|P|2.5.1\rEVN|A04|20240301120000\r" + pid;
    }

    @Test
    void twoSendersOfOneMessageTypeEachReachTheirOwnMappingAndAReusedMrnStaysTwoPatients() throws Exception {
        String shipped = Files.readString(ShippedAdtMappingCorpusTest.SHIPPED);
        Files.writeString(mappings.resolve("hl7v2-adt-patient.yaml"), shipped);
        String scoped = shipped
                .replace("mapping: hl7v2-adt-patient", "mapping: epic-north-adt")
                .replace("source: legacy-adt\n", "source: epic-north\nsenders: [{application: EPIC, facility: NORTH}]\n")
                .replace("PID-3(5=MR)", "PID-3(4=MR)").replace("PID-3-5", "PID-3-4")
                .replace("MRG-1(5=MR)", "MRG-1(4=MR)");
        int port = FreePorts.next();
        Map<String, String> settings = Hl7v2MllpIT.settings(port);
        settings.put(PortalSyncSettings.HL7V2_MAPPINGS_DIR, mappings.toString());
        try (TestEngine engine = TestEngine.start(settings)) {
            // the same MRN from two senders: two EHRs that each number their patients from 10811
            String fromEpic = a04("EPIC|NORTH", "CTRL-10811", "PID|1||A-10811^^^MR||Babbage^Charles||17911226|M");
            assertThat(get(send(port, fromEpic), "/MSA-1")).as("the shipped mapping wants MR in PID-3-5").isEqualTo("AE");

            // the sender's own mapping, dropped in while the engine runs; a broken one beside it changes nothing
            Files.writeString(mappings.resolve("epic-south-adt.yaml"), scoped.replace("mapping: epic-north-adt", "mapping: epic-south-adt")
                    .replace("source: epic-north", "source: epic-south").replace("NORTH", "SOUTH").replace("target: birthDate", "target: born"));
            Files.writeString(mappings.resolve("epic-north-adt.yaml"), scoped);
            Hl7v2MllpIT.await(() -> "AA".equals(get(send(port, fromEpic), "/MSA-1")));
            Message legacy = send(port, a04("LEGACY|CLINIC-A", "CTRL-10811", "PID|1||A-10811^^^CLINIC-A^MR||Lovelace^Ada||19151210|F"));
            Message epic = send(port, fromEpic);
            // EPIC at another facility: its broken file is not used, and the north one does not serve it; so the shipped
            // mapping, which refuses MR in PID-3-4
            Message epicSouth = send(port, a04("EPIC|SOUTH", "CTRL-10812", "PID|1||A-10812^^^MR||Byron^Ada||18151210|F"));
            Message unknown = send(port, "MSH|^~\\&|EPIC|NORTH|PORTAL|PS|20240301120000||MDM^T02|CTRL-10813|P|2.5.1\rEVN|T02|20240301120000");

            assertThat(get(legacy, "/MSA-1")).isEqualTo("AA");
            assertThat(get(epic, "/MSA-1")).as("sent again: a duplicate, acknowledged").isEqualTo("AA");
            Hl7v2MllpIT.await(() -> engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'HL7V2_MAPPING_REJECTED' "
                    + "AND message LIKE '%epic-south-adt.yaml%'") == 1);
            assertThat(get(epicSouth, "/MSA-1")).isEqualTo("AE");
            assertThat(get(epicSouth, "/ERR-8")).startsWith("PID-3(5=MR)-1: required");
            assertThat(get(unknown, "/MSA-1")).isEqualTo("AR");
            assertThat(get(unknown, "/ERR-8")).isEqualTo("MSH-9: no mapping in config/mappings takes MDM^T02 from sender EPIC^NORTH "
                    + "(MSH-3^MSH-4)");
            awaitInboxDone(engine);

            assertThat(engine.rows("SELECT mapping, source FROM legacy_inbox ORDER BY id")).extracting(row -> row.get("mapping") + " "
                    + row.get("source")).containsExactly("epic-north-adt epic-north", "hl7v2-adt-patient legacy-adt");
            assertThat(engine.rows("SELECT source, source_id, mrn, legal_family FROM portal_patient ORDER BY source"))
                    .extracting(row -> List.of(row.get("source"), row.get("source_id"), row.get("mrn"), row.get("legal_family")))
                    .containsExactly(
                            List.of("epic-north", MapHl7v2Message.stableId("epic-north", "v2", List.of("A-10811", "MR")), "A-10811", "Babbage"),
                            List.of("legacy-adt", MapHl7v2Message.stableId("legacy-adt", "v2", List.of("A-10811", "CLINIC-A")), "A-10811",
                                    "Lovelace"));
        }
    }
}
