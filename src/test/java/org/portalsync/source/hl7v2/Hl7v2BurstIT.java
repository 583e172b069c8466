package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * A burst of 500 ADT and SIU messages (100 patients, each an A04, an S12 booking its appointment, an A08, an S13
 * moving it, an A08) from eight concurrent HAPI v2 MLLP clients into the real engine: every message is answered AA
 * only once stored, none is lost, none is stored or applied twice (also when a sender repeats messages whose ACK it
 * missed), and every patient ends with the values of its last message and its appointment at the last SIU's time.
 * The bursts of 10,000 and more, with the same lost/doubled/wrong checks, are the MLLP benchmark's
 * ({@code ./mvnw -Pbench-mllp}): too long for the suite.
 */
class Hl7v2BurstIT {

    private static final long SEED = 10801;

    @Test
    void fiveHundredMessagesFromEightClientsAreEachStoredOnceAndAppliedInOrder() throws Exception {
        AdtBurst burst = new AdtBurst(100, 5, 8, SEED, true);
        int port = FreePorts.next();
        Map<String, String> settings = Hl7v2MllpIT.settings(port);
        try (TestEngine engine = TestEngine.start(settings)) {
            List<AdtBurst.Sent> answers = burst.send(port);

            assertThat(answers).hasSize(burst.messages());
            assertThat(answers).allSatisfy(sent -> {
                assertThat(sent.ackCode()).as("answer to %s", sent.controlId()).isEqualTo("AA");
                assertThat(sent.ackedControlId()).isEqualTo(sent.controlId());
            });
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).as("stored before each AA").isEqualTo(burst.messages());

            // a sender that lost some ACKs sends those messages again: answered AA, stored and applied once
            for (int patient = 0; patient < burst.patients(); patient += 20) {
                var ack = Hl7v2MllpIT.send(port, burst.message(patient, patient % 5));
                assertThat(Hl7v2MllpIT.get(ack, "/MSA-1")).isEqualTo("AA");
            }
            Hl7v2MllpIT.awaitInboxDone(engine, 600);

            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(burst.messages());
            assertThat(engine.count("SELECT COUNT(DISTINCT control_id) FROM legacy_inbox")).isEqualTo(burst.messages());
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-adt'")).isEqualTo(burst.patients());
            assertThat(engine.count("SELECT COUNT(DISTINCT mrn) FROM portal_patient WHERE source = 'legacy-adt'")).isEqualTo(burst.patients());
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE legal_given = ?", burst.finalGivenName()))
                    .as("patients carrying their last message's name").isEqualTo(burst.patients());
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            assertThat(burst.patientsWithTheirLastAppointment(engine)).as("each patient's appointment at its last SIU's time")
                    .isEqualTo(burst.patients());
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isEqualTo(burst.patients());
            // each ADT's PV1 counted once in the digest, the resent ones not: one row for the A04s, one for the A08s
            assertThat(engine.rows("SELECT problem, occurrences FROM data_quality_issue WHERE field = 'HL7v2 unmapped' ORDER BY problem"))
                    .extracting(row -> row.get("problem") + " x" + row.get("occurrences")).containsExactly(
                            "HL7 v2 ADT^A04 messages: no rule reads PV1 x" + burst.patients(),
                            "HL7 v2 ADT^A08 messages: no rule reads PV1 x" + (burst.messages() - burst.patients() - burst.appointmentMessages()));
        }
    }
}
