package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.await;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.awaitInboxDone;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * The HL7 v2 file drop of the real engine (routes/hl7v2-file-inbound.yaml, the shipped mapping): corpus files as
 * they came (byte order marks, CR or LF line ends), batches built here, refused files with their reason, files still
 * being written, files sent again, and a portal database that cannot store a file.
 */
class Hl7v2FileDropIT {

    @TempDir
    Path inbox;

    private Map<String, String> settings(String readyAfter) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.HL7V2_FILE_ENABLED, "true");
        settings.put(PortalSyncSettings.HL7V2_FILE_DIR, inbox.toString());
        settings.put(PortalSyncSettings.HL7V2_FILE_POLL_INTERVAL, "100ms");
        settings.put(PortalSyncSettings.HL7V2_FILE_READY_AFTER, readyAfter);
        settings.put(PortalSyncSettings.HL7V2_INBOX_SWEEP_INTERVAL, "200ms");
        return settings;
    }

    /** An ADT message of this test's sender, segments joined by the given line end. */
    private static String adt(String event, String controlId, String pid, String lineEnd) {
        return "MSH|^~\\&|LEGACY|CLINIC-F|PORTAL|PS|20240301120000||ADT^" + event + "^ADT_A01|" + controlId + "|P|2.5.1" + lineEnd
                + "EVN|" + event + "|20240301120000" + lineEnd + pid + lineEnd;
    }

    private static String batch(String lineEnd, String btsCount, String... messages) {
        return "FHS|^~\\&|LEGACY|CLINIC-F|PORTAL|PS|20240301120000" + lineEnd + "BHS|^~\\&|LEGACY|CLINIC-F|PORTAL|PS|20240301120000"
                + lineEnd + String.join("", messages) + "BTS|" + btsCount + lineEnd + "FTS|1" + lineEnd;
    }

    /** Writes a file as a sender should: under a .tmp name, then renamed, so that it is never read half-written. */
    private void drop(String name, String content) throws Exception {
        Path tmp = inbox.resolve(name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, inbox.resolve(name));
    }

    private void awaitMoved(String name, String folder) throws Exception {
        await(() -> Files.exists(inbox.resolve(folder).resolve(name)) && !Files.exists(inbox.resolve(name)));
    }

    private String reason(String name) throws Exception {
        return Files.readString(inbox.resolve("error").resolve(name + ".reason.txt"));
    }

    @Test
    void corpusFilesAsTheyCameEndInThePortalOrInErrorWithTheirReason() throws Exception {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        Path corpus = ShippedAdtMappingCorpusTest.corpus().get();
        try (TestEngine engine = TestEngine.start(settings("0s"))) {
            // a v2.3 file with CR line ends, a v2.3 and a v2.5.1 file with a byte order mark; one without an MR identifier
            for (String name : new String[] {"ADT_A01-2.hl7", "ADT_A04-2.hl7", "ADT_A01-3.hl7", "ADT_A04-4.hl7"}) {
                Files.copy(corpus.resolve(name), inbox.resolve(name));
            }

            for (String name : new String[] {"ADT_A01-2.hl7", "ADT_A04-2.hl7", "ADT_A01-3.hl7"}) {
                awaitMoved(name, "done");
            }
            awaitMoved("ADT_A04-4.hl7", "error");
            awaitInboxDone(engine);

            // ShippedAdtMappingCorpusTest.EXPECTED: the MRNs and family names read from the files by hand
            assertThat(engine.rows("SELECT mrn, legal_family FROM portal_patient ORDER BY mrn")).extracting(row -> row.get("mrn") + " "
                    + row.get("legal_family")).containsExactly("10006579 DUCK", "123456789 BROS", "PATID1234 EVERYMAN");
            assertThat(reason("ADT_A04-4.hl7")).startsWith("HL7 v2 file ADT_A04-4.hl7 refused: message 1 of 1 (MSH-10 1270326314): "
                    + "PID-3(5=MR)-1: required").contains("(HL7 error 101)").contains("Nothing of this file was stored");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(3);
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'HL7V2_FILE_REFUSED'")).isEqualTo(1);
        }
    }

    @Test
    void aBatchIsStoredWholeAndItsMessagesAreAppliedInTheOrderWritten() throws Exception {
        try (TestEngine engine = TestEngine.start(settings("0s"))) {
            engine.stopRoute("hl7v2-inbox");
            // CR LF line ends, as a Windows sender writes them; the A08 renames the patient the A04 registered
            drop("batch-10751.hl7", batch("\r\n", "3",
                    adt("A04", "CTRL-10751", "PID|1||A-10751^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\r\n"),
                    adt("A04", "CTRL-10752", "PID|1||A-10752^^^CLINIC-F^MR||Babbage^Charles||17911226|M", "\r\n"),
                    adt("A08", "CTRL-10753", "PID|1||A-10751^^^CLINIC-F^MR||King^Ada||19151210|F", "\r\n")));

            awaitMoved("batch-10751.hl7", "done");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE status = 'PENDING'")).as("all stored before the move")
                    .isEqualTo(3);
            engine.startRoute("hl7v2-inbox");
            awaitInboxDone(engine);

            assertThat(engine.rows("SELECT mrn, legal_family FROM portal_patient ORDER BY mrn")).extracting(row -> row.get("mrn") + " "
                    + row.get("legal_family")).containsExactly("A-10751 King", "A-10752 Babbage");
        }
    }

    @Test
    void aBatchWithABadMessageIsRefusedWholeAndNamesTheMessageAndField() throws Exception {
        try (TestEngine engine = TestEngine.start(settings("0s"))) {
            drop("batch-10754.hl7", batch("\n", "3",
                    adt("A04", "CTRL-10754", "PID|1||A-10754^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\n"),
                    adt("A04", "CTRL-10755", "PID|1||A-10755^^^CLINIC-F^MR||Babbage^Charles||1791122|M", "\n"),
                    adt("A04", "CTRL-10756", "PID|1||A-10756^^^CLINIC-F^MR||Somerville^Mary||17801226|F", "\n")));
            // BTS-1 says 3 messages, the file holds 2: cut off
            drop("cut-10757.hl7", batch("\r", "3",
                    adt("A04", "CTRL-10757", "PID|1||A-10757^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\r"),
                    adt("A04", "CTRL-10758", "PID|1||A-10758^^^CLINIC-F^MR||Babbage^Charles||17911226|M", "\r")));
            Files.write(inbox.resolve("latin1-10759.hl7"), adt("A04", "CTRL-10759", "PID|1||A-10759^^^CLINIC-F^MR||Gödel^Kurt||19060428|M",
                    "\r").getBytes(StandardCharsets.ISO_8859_1));

            awaitMoved("batch-10754.hl7", "error");
            awaitMoved("cut-10757.hl7", "error");
            awaitMoved("latin1-10759.hl7", "error");

            assertThat(reason("batch-10754.hl7")).startsWith("HL7 v2 file batch-10754.hl7 refused: message 2 of 3 (MSH-10 CTRL-10755): "
                    + "PID-7: not an HL7 date").doesNotContain("Babbage").doesNotContain("1791122");
            assertThat(reason("cut-10757.hl7")).contains("BTS-1 (line 9): says 3 messages in the batch, the file holds 2");
            assertThat(reason("latin1-10759.hl7")).contains("the file is not UTF-8 text");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).as("nothing of a refused file").isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'HL7V2_FILE_REFUSED'")).isEqualTo(3);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'HL7v2 file' AND result LIKE 'failure: %'")).isEqualTo(3);
        }
    }

    @Test
    void anA40InAFileMergesAPatientOfAnEarlierMessageOfTheFileAndAnUnknownOneRefusesTheFile() throws Exception {
        try (TestEngine engine = TestEngine.start(settings("0s"))) {
            // the merged patient is unknown to the portal and to the inbox: the file is refused whole, as an MLLP A40 is
            drop("a40-10779.hl7", a40("CTRL-10779", "PID|1||A-10778^^^CLINIC-F^MR||Lovelace^Ada||19151210|F",
                    "MRG|A-10779^^^CLINIC-F^MR"));
            awaitMoved("a40-10779.hl7", "error");
            assertThat(reason("a40-10779.hl7")).startsWith("HL7 v2 file a40-10779.hl7 refused: message 1 of 1 (MSH-10 CTRL-10779): "
                    + "MRG-1: the merged patient is unknown");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isZero();

            // both patients registered earlier in the same batch: the merge is taken and applied after them
            drop("batch-10771.hl7", batch("\n", "3",
                    adt("A04", "CTRL-10771", "PID|1||A-10771^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\n"),
                    adt("A04", "CTRL-10772", "PID|1||A-10772^^^CLINIC-F^MR||Lovelace^Augusta||19151210|F", "\n"),
                    a40("CTRL-10773", "PID|1||A-10771^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "MRG|A-10772^^^CLINIC-F^MR")
                            .replace("\r", "\n") + "\n"));
            awaitMoved("batch-10771.hl7", "done");
            awaitInboxDone(engine);
            assertThat(engine.rows("SELECT m.archived, m.replaced_by, s.id AS survivor FROM portal_patient m, portal_patient s "
                    + "WHERE m.mrn = 'A-10772' AND s.mrn = 'A-10771'")).singleElement().satisfies(row -> {
                        assertThat(row.get("archived")).isEqualTo(true);
                        assertThat(row.get("replaced_by")).isEqualTo(row.get("survivor"));
                    });
        }
    }

    /** An ADT^A40 of this test's sender (segments ended by CR, as {@link Hl7v2MergeMllpIT#a40} builds it). */
    private static String a40(String controlId, String pid, String mrg) {
        return Hl7v2MergeMllpIT.a40(controlId, pid, mrg).replace("|CLINIC-A|", "|CLINIC-F|");
    }

    @Test
    void aFileStillBeingWrittenIsNotTaken() throws Exception {
        try (TestEngine engine = TestEngine.start(settings("4s"))) {
            String message = adt("A04", "CTRL-10760", "PID|1||A-10760^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\r");
            Files.writeString(inbox.resolve("a04-10760.hl7.tmp"), message);
            Path growing = inbox.resolve("a04-10761.hl7");
            Files.writeString(growing, message.substring(0, 40));

            Thread.sleep(2500); // the folder's first look is after 1 s, then every 100 ms
            assertThat(inbox.resolve("a04-10760.hl7.tmp")).as("a .tmp name is never read").exists();
            assertThat(growing).as("younger than ready-after").exists();
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isZero();

            Files.writeString(growing, message.replace("10760", "10761"));
            Files.move(inbox.resolve("a04-10760.hl7.tmp"), inbox.resolve("a04-10760.hl7"));
            awaitMoved("a04-10760.hl7", "done");
            awaitMoved("a04-10761.hl7", "done");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(2);
            assertThat(inbox.resolve("error")).doesNotExist();
        }
    }

    @Test
    void aFileSentAgainIsNotAppliedTwice() throws Exception {
        try (TestEngine engine = TestEngine.start(settings("0s"))) {
            String message = adt("A04", "CTRL-10762", "PID|1||A-10762^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\r");
            drop("a04-10762.hl7", message);
            awaitMoved("a04-10762.hl7", "done");
            awaitInboxDone(engine);
            Files.delete(inbox.resolve("done").resolve("a04-10762.hl7"));

            drop("a04-10762.hl7", message);
            awaitMoved("a04-10762.hl7", "done");

            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(1);
            assertThat(engine.count("SELECT row_version FROM portal_patient")).as("written once").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE result = 'success: duplicate, not applied again'")).isEqualTo(1);
        }
    }

    @Test
    void aFileThePortalDatabaseCannotStoreStaysInTheInboxUntilItCan() throws Exception {
        try (TestEngine engine = TestEngine.start(settings("0s"))) {
            // the inbox table unavailable: the store fails, as with a database that is down
            execute(engine, "ALTER TABLE legacy_inbox RENAME TO legacy_inbox_away");
            drop("a04-10763.hl7", adt("A04", "CTRL-10763", "PID|1||A-10763^^^CLINIC-F^MR||Lovelace^Ada||19151210|F", "\r"));

            Thread.sleep(3000); // the folder's first look is after 1 s, then every 100 ms
            assertThat(inbox.resolve("a04-10763.hl7")).as("no fault of the file: it stays").exists();
            assertThat(inbox.resolve("error")).doesNotExist();

            execute(engine, "ALTER TABLE legacy_inbox_away RENAME TO legacy_inbox");
            awaitMoved("a04-10763.hl7", "done");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE mrn = 'A-10763'")).isEqualTo(1);
        }
    }

    private static void execute(TestEngine engine, String sql) throws Exception {
        try (java.sql.Connection connection = engine.database().getConnection(); java.sql.Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
