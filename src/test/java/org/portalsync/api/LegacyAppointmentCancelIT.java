package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;

/**
 * A portal cancellation of an appointment a legacy EHR sent over HL7 v2 goes back to that EHR as SIU^S15 over MLLP, to a
 * real receiver (HAPI v2's own server): an AA makes it DONE; an AE, or no answer within the timeout, fails it with the
 * patient's message, and the portal shows the appointment as the EHR has it again.
 */
class LegacyAppointmentCancelIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PID = "PID|1||A-10745^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F";

    private static HapiContext hapi() {
        HapiContext context = new DefaultHapiContext();
        context.setModelClassFactory(new CanonicalModelClassFactory("2.5.1"));
        context.setValidationContext(ValidationContextFactory.noValidation());
        // the ACKs' control ids: HAPI's default keeps its counter in a file in the working folder
        context.getParserConfiguration().setIdGenerator(new InMemoryIDGenerator());
        return context;
    }

    /** The legacy EHR: answers each S15 as {@code answer} says (AA, AE, or silence for longer than the engine waits). */
    private static final class LegacyEhr implements ReceivingApplication<Message> {
        final AtomicReference<String> answer = new AtomicReference<>("AA");
        final List<Message> received = new CopyOnWriteArrayList<>();

        @Override
        public Message processMessage(Message message, Map<String, Object> metadata) throws HL7Exception {
            received.add(message);
            try {
                return switch (answer.get()) {
                    case "AA" -> message.generateACK();
                    case "AE" -> message.generateACK(AcknowledgmentCode.AE, new HL7Exception("no such appointment", ErrorCode.UNKNOWN_KEY_IDENTIFIER));
                    default -> {
                        Thread.sleep(6_000);
                        yield message.generateACK();
                    }
                };
            } catch (java.io.IOException | InterruptedException e) {
                throw new HL7Exception(e);
            }
        }

        @Override
        public boolean canProcess(Message message) {
            return true;
        }
    }

    private static String s12(String controlId, String fillerId, String start) {
        return "MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20260301120000||SIU^S12^SIU_S12|" + controlId + "|P|2.5.1\rSCH||" + fillerId
                + "^LEGACY\rTQ1|||||||" + start + "|\r" + PID + "\rRGS|1\rAIP|1||D-10745^Babbage^Charles";
    }

    private static long accepted(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).get("change_id").asLong();
    }

    @Test
    void aCancellationBecomesAnS15AndItsAckDecidesTheOutcome() throws Exception {
        int ehrPort = FreePorts.next();
        int listenerPort = FreePorts.next();
        LegacyEhr legacyEhr = new LegacyEhr();
        try (HapiContext ehrContext = hapi(); HapiContext client = hapi()) {
            HL7Service server = ehrContext.newServer(ehrPort, false);
            server.registerApplication(legacyEhr);
            server.startAndWait();
            Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
            settings.put(PortalSyncSettings.HL7V2_MLLP_ENABLED, "true");
            settings.put(PortalSyncSettings.HL7V2_MLLP_PORT, String.valueOf(listenerPort));
            settings.put(PortalSyncSettings.HL7V2_INBOX_SWEEP_INTERVAL, "200ms");
            settings.put(PortalSyncSettings.HL7V2_OUTBOUND_ENABLED, "true");
            settings.put(PortalSyncSettings.HL7V2_OUTBOUND_HOST, "127.0.0.1");
            settings.put(PortalSyncSettings.HL7V2_OUTBOUND_PORT, String.valueOf(ehrPort));
            settings.put(PortalSyncSettings.HL7V2_OUTBOUND_TIMEOUT, "2s");
            // a timeout is tried again up to max-attempts; one attempt shows the error path without waiting for retries
            settings.put(PortalSyncSettings.WRITE_BACK_MAX_ATTEMPTS, "1");
            settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "1h");
            try (TestEngine engine = TestEngine.start(settings)) {
                Connection mllp = client.newClient("127.0.0.1", listenerPort, false);
                for (String[] siu : List.of(new String[] {"CTRL-10745", "F-10745", "20270310100000"},
                        new String[] {"CTRL-10746", "F-10746", "20270311100000"}, new String[] {"CTRL-10747", "F-10747", "20270312100000"})) {
                    Message ack = mllp.getInitiator().sendAndReceive(client.getPipeParser().parse(s12(siu[0], siu[1], siu[2])));
                    assertThat(new Terser(ack).get("/MSA-1")).isEqualTo("AA");
                }
                mllp.close();
                awaitAppointments(engine, 3);
                String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
                ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

                // AA: accepted
                JsonNode done = cancel(engine, api, portal, "c-10745", "2027-03-10T15:00:00Z", "Feeling better");
                assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("DONE");
                assertThat(legacyEhr.received).hasSize(1);
                Terser s15 = new Terser(legacyEhr.received.get(0));
                assertThat(s15.get("/MSH-9-1") + "^" + s15.get("/MSH-9-2")).isEqualTo("SIU^S15");
                assertThat(s15.get("/MSH-10")).isEqualTo("PS-CHG-" + done.get("change_id").asText());
                assertThat(s15.get("/SCH-2-1")).as("the EHR's own appointment id").isEqualTo("F-10745");
                assertThat(s15.get("/.PID-3-1")).isEqualTo("A-10745");
                assertThat(s15.get("/SCH-6-2")).isEqualTo("Feeling better");
                assertThat(status(engine, "2027-03-10T15:00:00Z")).isEqualTo("cancelled");

                // AE: the error path; the portal shows the appointment as the EHR has it
                legacyEhr.answer.set("AE");
                JsonNode refused = cancel(engine, api, portal, "c-10746", "2027-03-11T15:00:00Z", "Travelling");
                assertThat(refused.get("status").asText()).as(refused.toString()).isEqualTo("FAILED");
                assertThat(refused.get("patient_message").asText()).isEqualTo("We couldn't cancel your appointment. Please call our front desk.");
                assertThat(status(engine, "2027-03-11T15:00:00Z")).isEqualTo("booked");
                assertThat(engine.rows("SELECT problem FROM data_quality_issue WHERE problem LIKE '%SIU^S15%'"))
                        .extracting(row -> (String) row.get("problem")).anySatisfy(problem -> assertThat(problem)
                                .contains("the legacy EHR answered AE (HL7 error 204").doesNotContain("Travelling"));

                // no answer within the timeout: the error path too (after max-attempts, here one)
                legacyEhr.answer.set("silence");
                JsonNode silent = cancel(engine, api, portal, "c-10747", "2027-03-12T15:00:00Z", "Away");
                assertThat(silent.get("status").asText()).as(silent.toString()).isEqualTo("FAILED");
                assertThat(status(engine, "2027-03-12T15:00:00Z")).isEqualTo("booked");
                assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'WRITE_BACK_FAILED'")).isEqualTo(2);
            } finally {
                server.stopAndWait();
            }
        }
    }

    private static JsonNode cancel(TestEngine engine, ApiTestClient api, String key, String changeKey, String start, String reason) throws Exception {
        String id = (String) engine.rows("SELECT source_id FROM portal_appointment WHERE start_at = ?",
                java.time.OffsetDateTime.parse(start.replace("Z", "+00:00"))).get(0).get("source_id");
        HttpResponse<String> response = api.send(api.request("/api/v1/appointments/legacy-adt/" + id + "/changes", key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"change_key\":\"" + changeKey
                        + "\",\"initiated_by\":\"patient\",\"action\":\"cancel\",\"cancellation_reason\":\"" + reason + "\"}")).build());
        return api.awaitChangeEnd(accepted(response), key);
    }

    private static String status(TestEngine engine, String start) throws Exception {
        return (String) engine.rows("SELECT status FROM portal_appointment WHERE start_at = ?",
                java.time.OffsetDateTime.parse(start.replace("Z", "+00:00"))).get(0).get("status");
    }

    private static void awaitAppointments(TestEngine engine, int count) throws Exception {
        for (Instant until = Instant.now().plusSeconds(60); Instant.now().isBefore(until); Thread.sleep(100)) {
            if (engine.count("SELECT COUNT(*) FROM portal_appointment") == count) {
                return;
            }
        }
        assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isEqualTo(count);
    }
}
