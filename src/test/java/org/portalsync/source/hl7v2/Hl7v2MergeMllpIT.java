package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.adt;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.awaitInboxDone;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.get;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.send;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.settings;
import static org.portalsync.source.hl7v2.Hl7v2SiuMllpIT.siu;

import java.nio.file.Files;

import ca.uhn.hl7v2.model.Message;
import org.junit.jupiter.api.Test;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * ADT^A40 (merge patient) over MLLP into the real engine: the PID patient survives with its portal data, the MRG patient is
 * archived with a link to it, and the merged patient's appointments move to the survivor; a merge of an unknown patient,
 * or of several pairs in one message, is refused and writes nothing.
 */
class Hl7v2MergeMllpIT {

    private static final String SURVIVOR_PID = "PID|1||A-10731^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F|||||^PRN^Internet^ada@example.org";
    private static final String MERGED_PID = "PID|1||A-10732^^^CLINIC-A^MR||Lovelace^Augusta^^^^^L||19151210|F|||||"
            + "^PRN^Internet^augusta@example.org";

    static String a40(String controlId, String pid, String mrg) {
        return "MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20260301120000||ADT^A40^ADT_A39|" + controlId + "|P|2.5.1\rEVN|A40|20260301120000\r"
                + pid + "\r" + mrg;
    }

    @Test
    void anA40ArchivesTheMergedPatientAndMovesItsAppointmentsToTheSurvivorWhoKeepsItsPortalData() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            assertThat(get(send(port, adt("A04", "CTRL-10731", SURVIVOR_PID)), "/MSA-1")).isEqualTo("AA");
            assertThat(get(send(port, adt("A04", "CTRL-10732", MERGED_PID)), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            // an SIU for each: the merged patient's appointment must follow the merge
            String siuOfMerged = siu("S12", "CTRL-10733", "F-10733", "20260309100000", "20260309103000").replace(
                    "PID|1||A-10711^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F", MERGED_PID);
            String siuOfSurvivor = siu("S12", "CTRL-10734", "F-10734", "20260310100000", "20260310103000").replace(
                    "PID|1||A-10711^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F", SURVIVOR_PID);
            assertThat(get(send(port, siuOfMerged), "/MSA-1")).isEqualTo("AA");
            assertThat(get(send(port, siuOfSurvivor), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            // the survivor's portal-only data: reminder preferences set in the portal
            try (var connection = engine.database().getConnection(); var update = connection.prepareStatement(
                    "UPDATE portal_patient SET communication_preferences = '{\"sms\":false}' WHERE mrn = 'A-10731'")) {
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id "
                    + "WHERE p.mrn = 'A-10732'")).isEqualTo(1);

            // the A40 as HL7 v2.5.1 has it: the survivor's current PID, applied as an update, then the merge
            Message merge = send(port, a40("CTRL-10735", SURVIVOR_PID, "MRG|A-10732^^^CLINIC-A^MR"));
            assertThat(get(merge, "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);

            assertThat(engine.rows("SELECT m.archived, m.replaced_by, s.id AS survivor, s.archived AS survivor_archived, "
                    + "s.communication_preferences FROM portal_patient m, portal_patient s WHERE m.mrn = 'A-10732' AND s.mrn = 'A-10731'"))
                    .singleElement().satisfies(row -> {
                        assertThat(row.get("archived")).isEqualTo(true);
                        assertThat(row.get("replaced_by")).isEqualTo(row.get("survivor"));
                        assertThat(row.get("survivor_archived")).isEqualTo(false);
                        assertThat(row.get("communication_preferences")).isEqualTo("{\"sms\":false}");
                    });
            assertThat(engine.rows("SELECT t.contact_value FROM portal_patient_telecom t JOIN portal_patient p ON p.id = t.patient_id "
                    + "WHERE p.mrn = 'A-10731' AND t.system = 'email'")).extracting(row -> row.get("contact_value"))
                    .as("its own, not the merged patient's").containsExactly("ada@example.org");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id "
                    + "WHERE p.mrn = 'A-10731'")).as("its own and the merged patient's").isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.merge'")).isEqualTo(1);

            // a late message of the merged patient's old record does not bring it back
            assertThat(get(send(port, adt("A08", "CTRL-10737", MERGED_PID)), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE mrn = 'A-10732' AND archived AND replaced_by IS NOT NULL"))
                    .isEqualTo(1);

            // sent again (a lost ACK, another control id): nothing more happens
            assertThat(get(send(port, a40("CTRL-10736", SURVIVOR_PID, "MRG|A-10732^^^CLINIC-A^MR")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.merge'")).isEqualTo(1);
        }
    }

    @Test
    void anA40OfAnUnknownPatientOrOfSeveralPairsIsRefusedAndWritesNothing() throws Exception {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            assertThat(get(send(port, adt("A04", "CTRL-10741", SURVIVOR_PID)), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            long versionBefore = engine.count("SELECT row_version FROM portal_patient WHERE mrn = 'A-10731'");

            Message unknown = send(port, a40("CTRL-10742", "PID|1||A-10731^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F",
                    "MRG|A-10749^^^CLINIC-A^MR"));
            assertThat(get(unknown, "/MSA-1")).isEqualTo("AE");
            assertThat(get(unknown, "/ERR-2-1")).isEqualTo("MRG");
            assertThat(get(unknown, "/ERR-3-1")).isEqualTo("204");
            assertThat(get(unknown, "/ERR-8")).startsWith("MRG-1: the merged patient is unknown");

            // the corpus's A40 samples: one merges a patient never sent; the other merges two pairs in one message
            Message sample = send(port, Hl7v2Reader.normalise(Files.readString(ShippedAdtMappingCorpusTest.corpus().get()
                    .resolve("ADT_A40-1.hl7"))));
            assertThat(get(sample, "/MSA-1")).isEqualTo("AE");
            assertThat(get(sample, "/ERR-3-1")).isEqualTo("204");
            Message pairs = send(port, Hl7v2Reader.normalise(Files.readString(ShippedAdtMappingCorpusTest.corpus().get()
                    .resolve("ADT_A40-2.hl7"))).replace("|8919-40|", "|8919-40-2|"));
            // a kind of message the engine does not take (one merge per message): AR
            assertThat(get(pairs, "/MSA-1")).isEqualTo("AR");
            assertThat(get(pairs, "/ERR-2-1")).isEqualTo("MRG");
            assertThat(get(pairs, "/ERR-3-1")).isEqualTo("100");

            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).as("only the A04").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(1);
            assertThat(engine.count("SELECT row_version FROM portal_patient WHERE mrn = 'A-10731'")).isEqualTo(versionBefore);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE archived OR replaced_by IS NOT NULL")).isZero();
        }
    }
}
