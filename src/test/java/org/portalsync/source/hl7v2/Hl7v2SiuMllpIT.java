package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.awaitInboxDone;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.get;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.send;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.settings;

import java.nio.file.Files;
import java.time.OffsetDateTime;
import java.util.Map;

import ca.uhn.hl7v2.model.Message;
import org.junit.jupiter.api.Test;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * SIU scheduling messages over MLLP into the real engine (the shipped SIU and ADT mappings): each is applied through the
 * appointment pipeline with the patient its PID makes, so that S12, S13 and S15 of one appointment end as one
 * appointment of one portal patient; and every SIU sample of the shared corpus is answered as expected.
 */
class Hl7v2SiuMllpIT {

    private static final String SENDER = "LEGACY|CLINIC-A";

    static String siu(String event, String controlId, String fillerId, String start, String end, String... more) {
        StringBuilder message = new StringBuilder("MSH|^~\\&|" + SENDER + "|PORTAL|PS|20260301120000||SIU^" + event + "^SIU_S12|"
                + controlId + "|P|2.5.1\rSCH||" + fillerId + "^LEGACY|||||FOLLOWUP^Follow-up visit\rTQ1|||||||" + start + "|" + end
                + "\rPID|1||A-10711^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F\rRGS|1\rAIL|1||^Room 4^^Main Clinic\r"
                + "AIP|1||D-10711^Babbage^Charles^^^Dr");
        for (String segment : more) {
            message.append('\r').append(segment);
        }
        return message.toString();
    }

    @Test
    void anS12ThenS13ThenS15EndAsOneCancelledAppointmentAtTheNewTimeWithItsPatient() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            // stored while nothing applies them: the inbox applies them in the order they came
            engine.stopRoute("hl7v2-inbox");
            Message booked = send(port, siu("S12", "CTRL-10711", "F-10711", "20260309100000", "20260309103000"));
            // moved to the next day, an hour later (local times: read in the mapping's zone, America/New_York)
            Message moved = send(port, siu("S13", "CTRL-10712", "F-10711", "20260310110000", "20260310113000"));
            Message cancelled = send(port, siu("S15", "CTRL-10713", "F-10711", "20260310110000", "20260310113000"));
            assertThat(get(booked, "/MSA-1")).isEqualTo("AA");
            assertThat(get(moved, "/MSA-1")).isEqualTo("AA");
            assertThat(get(cancelled, "/MSA-1")).isEqualTo("AA");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isZero();

            engine.startRoute("hl7v2-inbox");
            awaitInboxDone(engine);

            assertThat(engine.rows("SELECT p.source AS patient_source, p.mrn, p.legal_family, a.source, a.status, a.start_at, a.end_at, "
                    + "a.zone, a.provider_name, a.location_name, a.reason_text, a.deleted_at FROM portal_appointment a "
                    + "JOIN portal_patient p ON p.id = a.patient_id")).singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("patient_source", "legacy-adt").containsEntry("mrn", "A-10711")
                                .containsEntry("legal_family", "Lovelace").containsEntry("source", "legacy-adt")
                                .containsEntry("status", "cancelled").containsEntry("zone", "America/New_York")
                                .containsEntry("provider_name", "Dr Charles Babbage").containsEntry("location_name", "Room 4, Main Clinic")
                                .containsEntry("reason_text", "Follow-up visit").containsEntry("deleted_at", null);
                        // 10 March 2026 is after the spring change (8 March): New York is at -04:00
                        assertThat(instant(row.get("start_at"))).isEqualTo(OffsetDateTime.parse("2026-03-10T11:00:00-04:00").toInstant());
                        assertThat(instant(row.get("end_at"))).isEqualTo(OffsetDateTime.parse("2026-03-10T11:30:00-04:00").toInstant());
                    });
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
        }
    }

    @Test
    void anAdtAndAnSiuOfOnePersonMeetInOnePatient() throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            Message a04 = send(port, Hl7v2MllpIT.adt("A04", "CTRL-10721", "PID|1||A-10711^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F"));
            Message s12 = send(port, siu("S12", "CTRL-10722", "F-10722", "20260309100000", "20260309103000"));
            assertThat(get(a04, "/MSA-1")).isEqualTo("AA");
            assertThat(get(s12, "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id "
                    + "WHERE p.mrn = 'A-10711'")).isEqualTo(1);
        }
    }

    @Test
    void everySiuSampleOfTheCorpusIsStoredOrRefusedAsExpected() throws Exception {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port))) {
            int stored = 0;
            for (Map.Entry<String, Object> expected : ShippedSiuMappingCorpusTest.EXPECTED.entrySet()) {
                String text = Files.readString(ShippedAdtMappingCorpusTest.corpus().get().resolve(expected.getKey()));
                // the samples share one control id per event (MSG00012 ...): each its own here, as a sender's would be
                Message ack = send(port, Hl7v2Reader.normalise(text).replaceFirst("\\|MSG000(\\d\\d)\\|", "|MSG000$1-" + expected.getKey() + "|"));
                if (expected.getValue() instanceof ShippedSiuMappingCorpusTest.Refused refused) {
                    assertThat(get(ack, "/MSA-1")).as(expected.getKey()).isEqualTo("AR");
                    assertThat(get(ack, "/ERR-3-1")).as(expected.getKey()).isEqualTo(String.valueOf(refused.code().getCode()));
                    assertThat(get(ack, "/ERR-8")).as(expected.getKey()).startsWith("MSH-9: no mapping in config/mappings takes SIU^S16 from sender ");
                } else {
                    assertThat(get(ack, "/MSA-1")).as(expected.getKey()).isEqualTo("AA");
                    stored++;
                }
            }
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isEqualTo(stored);
            // every sample is appointment 36996 of patient PATID1234
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
        }
    }

    private static java.time.Instant instant(Object value) {
        return value instanceof OffsetDateTime time ? time.toInstant() : ((java.sql.Timestamp) value).toInstant();
    }
}
