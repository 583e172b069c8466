package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.adt;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.await;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.awaitInboxDone;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.get;
import static org.portalsync.source.hl7v2.Hl7v2MllpIT.send;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import ca.uhn.hl7v2.model.Message;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.console.ConsoleClient;
import org.portalsync.console.ConsoleTestUsers;
import org.portalsync.metrics.Scrape;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * ORU^R01 results through the real engine: the MLLP listener, the shipped ADT and ORU mappings, the inbox and
 * routes/observation-sync.yaml into portal_observation, on H2 and PostgreSQL. Expected values come from the messages
 * written in {@link ShippedOruMappingTest#oru}.
 */
class Hl7v2OruIT {

    private static Map<String, String> settings(int port, String database) {
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsWithoutEhr(database));
        settings.put(PortalSyncSettings.HL7V2_MLLP_ENABLED, "true");
        settings.put(PortalSyncSettings.HL7V2_MLLP_PORT, String.valueOf(port));
        settings.put(PortalSyncSettings.HL7V2_INBOX_SWEEP_INTERVAL, "200ms");
        settings.put(PortalSyncSettings.RETRY_FIRST_DELAY, "50");
        return settings;
    }

    /** The same sender as the results (LAB^CLINIC-F is another sender than the ADT's: both map to the source legacy-adt). */
    private static String registration(String controlId, String mrn) {
        return adt("A04", controlId, "PID|1||" + mrn + "^^^CLINIC-F^MR||Lovelace^Ada||19151210|F");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void resultsOfARegisteredPatientEndInThePortalAndACorrectionUpdatesThem(String database) throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port, database))) {
            assertThat(get(send(port, registration("CTRL-10780", "A-10780")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);

            Message ack = send(port, ShippedOruMappingTest.oru("CTRL-10781", "A-10780", "182", "F"));
            assertThat(get(ack, "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);

            long patient = engine.count("SELECT id FROM portal_patient WHERE mrn = 'A-10780'");
            assertThat(engine.rows("SELECT patient_id, order_number, order_name, status, code, value_type, value_number, unit, reference_range, "
                    + "interpretation, effective_at, zone FROM portal_observation WHERE code = '2093-3'")).singleElement().satisfies(row -> {
                        assertThat(((Number) row.get("patient_id")).longValue()).isEqualTo(patient);
                        assertThat(row).containsEntry("order_number", "FO-A-10780").containsEntry("order_name", "Lipid panel")
                                .containsEntry("status", "final").containsEntry("value_type", "quantity").containsEntry("unit", "mg/dL")
                                .containsEntry("reference_range", "<200").containsEntry("interpretation", "H")
                                .containsEntry("zone", "America/New_York");
                        assertThat((BigDecimal) row.get("value_number")).isEqualByComparingTo("182");
                        // OBX-14 20240301090000 in America/New_York (EST): 14:00 UTC
                        assertThat(instant(row.get("effective_at"))).isEqualTo(OffsetDateTime.of(2024, 3, 1, 14, 0, 0, 0, ZoneOffset.UTC));
                    });
            assertThat(engine.rows("SELECT value_type, value_text, value_code FROM portal_observation ORDER BY code"))
                    .extracting(row -> row.get("value_type") + "|" + row.get("value_text") + "|" + row.get("value_code"))
                    .containsExactly("quantity|null|null", "coded|Yellow|Y", "string|fasting sample & rested|null");

            // the lab corrects the cholesterol: same order, same set id
            assertThat(get(send(port, ShippedOruMappingTest.oru("CTRL-10782", "A-10780", "172", "C")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_observation")).as("updated, not added").isEqualTo(3);
            assertThat(engine.rows("SELECT status, value_number FROM portal_observation WHERE code = '2093-3'")).singleElement()
                    .satisfies(row -> {
                        assertThat(row).containsEntry("status", "corrected");
                        assertThat((BigDecimal) row.get("value_number")).isEqualByComparingTo("172");
                    });
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalObservation.create'")).isEqualTo(3);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalObservation.update'")).isEqualTo(3);
            // NTE and the Z-segment are read by no rule: the digest names them
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE field = 'HL7v2 unmapped' AND record_ref = "
                    + "'mapping hl7v2-oru-observation' AND problem LIKE 'HL7 v2 ORU^R01 messages: no rule reads %NTE%ZLB%'")).isEqualTo(1);
            // each record counted in the metrics: the patient, then each of the three results created and corrected
            Scrape scrape = Scrape.of(engine.managementBaseUrl());
            assertThat(scrape.value("portal_sync_records_synced_total", Map.of("source", "legacy-adt", "resource_type", "Patient",
                    "outcome", "created"))).isEqualTo(1);
            assertThat(scrape.value("portal_sync_records_synced_total", Map.of("source", "legacy-adt", "resource_type", "Observation",
                    "outcome", "created"))).isEqualTo(3);
            assertThat(scrape.value("portal_sync_records_synced_total", Map.of("source", "legacy-adt", "resource_type", "Observation",
                    "outcome", "updated"))).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2"})
    void aResultForAPatientThePortalLacksIsDeadLetteredAndABadOneIsNacked(String database) throws Exception {
        int port = FreePorts.next();
        try (TestEngine engine = TestEngine.start(settings(port, database))) {
            assertThat(get(send(port, ShippedOruMappingTest.oru("CTRL-10785", "A-10785", "182", "F")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_observation")).isZero();
            assertThat(engine.rows("SELECT record_ref, cause_type FROM dead_letter ORDER BY id")).hasSize(3).allSatisfy(row -> {
                assertThat((String) row.get("record_ref")).startsWith("Observation/v2-obs-");
                assertThat((String) row.get("cause_type")).endsWith("PatientResultNotInPortalException");
            });
            assertThat(Scrape.of(engine.managementBaseUrl()).value("portal_sync_records_failed_total", Map.of("source", "legacy-adt",
                    "resource_type", "Observation", "outcome", "dead_lettered"))).isEqualTo(3);

            Message sn = send(port, ShippedOruMappingTest.oru("CTRL-10786", "A-10785", "182", "F").replace("OBX|1|NM|", "OBX|1|SN|")
                    .replace("||182|", "||^182|"));
            assertThat(get(sn, "/MSA-1")).isEqualTo("AE");
            assertThat(get(sn, "/ERR-8")).startsWith("OBX-2: a value type (OBX-2) this mapping does not take")
                    .endsWith("(in OBX number 1 of the message)");
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox WHERE control_id = 'CTRL-10786'")).isZero();
        }
    }

    /**
     * A legacy EHR cannot be asked for a record again: the re-sync applies the stored message again. Tried before the
     * patient exists it fails again and keeps its dead letters open; once the ADT came, the next try puts the results in
     * the portal and closes them.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aResultThatCameBeforeItsPatientIsAppliedAgainByTheReSyncOnceThePatientIsRegistered(String database) throws Exception {
        int port = FreePorts.next();
        Map<String, String> settings = settings(port, database);
        settings.put(PortalSyncSettings.RESYNC_INTERVAL, "1s");
        try (TestEngine engine = TestEngine.start(settings)) {
            assertThat(get(send(port, ShippedOruMappingTest.oru("CTRL-10790", "A-10790", "182", "F")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            long message = engine.count("SELECT id FROM legacy_inbox WHERE control_id = 'CTRL-10790'");
            // one dead letter per result of the message (ShippedOruMappingTest#oru has three OBX), each naming it
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter WHERE status = 'NEW' AND legacy_inbox_id = ?", message)).isEqualTo(3);

            await(() -> engine.count("SELECT MIN(resync_attempts) FROM dead_letter") >= 1, 30);
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_observation")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter WHERE status = 'NEW'")).as("still open after a failed try").isEqualTo(3);

            assertThat(get(send(port, registration("CTRL-10791", "A-10790")), "/MSA-1")).isEqualTo("AA");

            await(() -> engine.count("SELECT COUNT(*) FROM dead_letter WHERE status = 'RESOLVED'") == 3, 60);
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_observation o JOIN portal_patient p ON p.id = o.patient_id"
                    + " WHERE p.mrn = 'A-10790'")).isEqualTo(3);
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).as("applied again, not stored again").isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isEqualTo(3);
        }
    }

    /**
     * An operator need not wait for the re-sync: a replay from the console applies the message again at once, and the
     * page says the letter is now resolved.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2"})
    void anOperatorsReplayAppliesTheResultsMessageAgainOnceThePatientIsRegistered(String database) throws Exception {
        int port = FreePorts.next();
        Map<String, String> settings = ConsoleTestUsers.enable(settings(port, database));
        // no automatic re-sync in this test's time: only the operator's replay applies the message again
        settings.put(PortalSyncSettings.RESYNC_INTERVAL, "1h");
        try (TestEngine engine = TestEngine.start(settings)) {
            assertThat(get(send(port, ShippedOruMappingTest.oru("CTRL-10795", "A-10795", "182", "F")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(get(send(port, registration("CTRL-10796", "A-10795")), "/MSA-1")).isEqualTo("AA");
            awaitInboxDone(engine);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_observation")).isZero();
            long letter = engine.count("SELECT MIN(id) FROM dead_letter");
            ConsoleClient console = new ConsoleClient(engine.apiBaseUrl());
            console.signIn(ConsoleTestUsers.OPERATOR, ConsoleTestUsers.OPERATOR_PASSWORD);

            HttpResponse<String> replayed = console.post("/console/dead-letters/replay", console.base(), "csrf", console.csrf(), "id",
                    String.valueOf(letter));

            assertThat(replayed.headers().firstValue("Location")).hasValueSatisfying(location -> assertThat(location)
                    .endsWith("replayed=1&resolved=1&skipped=0"));
            // the message carried all three results: all three land and close their letters
            assertThat(engine.count("SELECT COUNT(*) FROM portal_observation o JOIN portal_patient p ON p.id = o.patient_id"
                    + " WHERE p.mrn = 'A-10795'")).isEqualTo(3);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter WHERE status = 'RESOLVED'")).isEqualTo(3);
            assertThat(engine.count("SELECT operator_replays FROM dead_letter WHERE id = ?", letter)).isOne();
        }
    }

    private static OffsetDateTime instant(Object value) {
        return value instanceof OffsetDateTime time ? time.withOffsetSameInstant(ZoneOffset.UTC)
                : ((java.sql.Timestamp) value).toInstant().atOffset(ZoneOffset.UTC);
    }
}
