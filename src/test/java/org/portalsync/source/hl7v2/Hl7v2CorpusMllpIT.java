package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.awaitInboxDone;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.get;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.model.Message;
import org.junit.jupiter.api.Test;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * Every ADT (but the merges) and ORU message of the shared corpus ({@code ../shared/corpus/hl7v2}) through the MLLP
 * listener of the real engine, as its file holds it (byte order marks, line ends, v2.3 to v2.8, vendors' habits) but
 * for a control id of its own: each is answered AA and ends as the patient read from the file by hand
 * ({@link ShippedAdtMappingCorpusTest#EXPECTED}), or is answered AE naming the field and the HL7 error code
 * ({@link ShippedOruMappingTest#EXPECTED}) and leaves nothing in the inbox. The SIU samples go through the listener in
 * {@link Hl7v2SiuMllpIT}, the merges (A40) in {@link Hl7v2MergeMllpIT}, which needs the merged patient known first.
 */
class Hl7v2CorpusMllpIT {

    private static final Pattern THROUGH_OTHER_TESTS = Pattern.compile("SIU_.*|ADT_A40-.*");

    @Test
    void everyAdtAndOruMessageOfTheCorpusIsStoredAndAppliedOrRefusedNamingTheField() throws Exception {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        Path corpus = ShippedAdtMappingCorpusTest.corpus().get();
        Map<String, Object> expected = new TreeMap<>();
        ShippedAdtMappingCorpusTest.EXPECTED.forEach((name, outcome) -> {
            if (!THROUGH_OTHER_TESTS.matcher(name).matches()) {
                expected.put(name, outcome);
            }
        });
        expected.putAll(ShippedOruMappingTest.EXPECTED);
        Set<String> everyFile = new HashSet<>();
        try (Stream<Path> files = Files.list(corpus)) {
            files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".hl7")).forEach(everyFile::add);
        }
        everyFile.removeIf(name -> THROUGH_OTHER_TESTS.matcher(name).matches());
        assertThat(expected.keySet()).as("every other corpus file has an expected outcome here").containsExactlyInAnyOrderElementsOf(everyFile);

        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            int stored = 0;
            for (Map.Entry<String, Object> each : expected.entrySet()) {
                String name = each.getKey();
                String controlId = "CORPUS-" + name;
                Message ack = sendAsTheFileHoldsIt(port, withControlId(Files.readString(corpus.resolve(name), StandardCharsets.UTF_8), controlId));
                assertThat(get(ack, "/MSA-2")).as(name).isEqualTo(controlId);
                if (each.getValue() instanceof ShippedAdtMappingCorpusTest.Maps patient) {
                    assertThat(get(ack, "/MSA-1")).as("%s: %s", name, get(ack, "/ERR-8")).isEqualTo("AA");
                    stored++;
                    awaitInboxDone(engine);
                    assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE mrn = ? AND legal_family = ? AND birth_date = ?",
                            patient.mrn(), patient.family(), java.sql.Date.valueOf(patient.birthDate())))
                            .as("%s: the portal patient %s %s", name, patient.mrn(), patient.family()).isEqualTo(1);
                } else {
                    String location = each.getValue() instanceof ShippedAdtMappingCorpusTest.Refused refused ? refused.location()
                            : ((ShippedOruMappingTest.Refused) each.getValue()).location();
                    int code = each.getValue() instanceof ShippedAdtMappingCorpusTest.Refused refused ? refused.code().getCode()
                            : ((ShippedOruMappingTest.Refused) each.getValue()).code().getCode();
                    // PID-3(5=MR)-1: segment PID, field 3
                    String[] segmentAndField = location.split("[-(]");
                    assertThat(get(ack, "/MSA-1")).as("%s: its content is wrong, the message kind is taken", name).isEqualTo("AE");
                    assertThat(get(ack, "/ERR-3-1")).as(name).isEqualTo(String.valueOf(code));
                    assertThat(get(ack, "/ERR-2-1")).as(name).isEqualTo(segmentAndField[0]);
                    assertThat(get(ack, "/ERR-2-3")).as(name).isEqualTo(segmentAndField[1]);
                    assertThat(get(ack, "/ERR-8")).as(name).isNotBlank();
                    assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE control_id = ?", controlId)).as(name).isZero();
                }
            }
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(stored);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
        }
    }

    /** MSH-10 replaced: the samples share control ids (MSG00001 ...), as no one sender's messages would. */
    static String withControlId(String text, String controlId) {
        int msh = text.indexOf("MSH");
        char separator = text.charAt(msh + 3);
        int at = msh;
        for (int field = 0; field < 9; field++) {
            at = text.indexOf(separator, at + 1);
        }
        int end = text.indexOf(separator, at + 1);
        return text.substring(0, at + 1) + controlId + text.substring(end);
    }

    /** The text in one MLLP frame, bytes as they are (no parser on the way); the ACK parsed. */
    private static Message sendAsTheFileHoldsIt(int port, String text) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(0x0b);
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[] {0x1c, 0x0d});
            out.flush();
            InputStream in = socket.getInputStream();
            String ack = Hl7v2MllpIT.readFrame(in);
            if (ack.isEmpty()) {
                throw new IOException("no ACK");
            }
            try (DefaultHapiContext hapi = new DefaultHapiContext()) {
                return hapi.getPipeParser().parse(ack);
            }
        }
    }
}
