package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Slot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;
import org.portalsync.writeback.AppointmentFixtures;

/**
 * The portal cancels, reschedules and books appointments through the engine's API against the real sandbox EHR (HAPI
 * FHIR JPA): each change is stored before the answer, written to the EHR with If-Match, and its outcome is at its status
 * URL; what the rules give the EHR is refused naming the owner, bad values naming the field; a booking of a slot taken
 * meanwhile books nothing. Expected values come from what each test wrote to the EHR, never from the engine's tables.
 */
class AppointmentChangesApiIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SLOT_TAKEN = "That time was just taken. Please choose another.";

    private static Map<String, String> settings(String fhirBaseUrl, String database, long seed) {
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsFor(EHR, fhirBaseUrl, database, seed));
        settings.put(PortalSyncSettings.FHIR_ZONE, "America/New_York");
        settings.put(PortalSyncSettings.WRITE_BACK_ENABLED, "true");
        settings.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write system/Coverage.read system/Coverage.write"
                + " system/Appointment.read system/Appointment.write system/Slot.read system/Slot.write system/Schedule.read"
                + " system/Practitioner.read system/Location.read");
        // every change is handed over by the API at once; the sweep stays out of the way
        settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "1h");
        return settings;
    }

    private static HttpResponse<String> post(ApiTestClient api, String path, String key, String body) throws Exception {
        return api.send(api.request(path, key).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static String cancel(String key, String initiatedBy, String reason) {
        return "{\"change_key\":\"" + key + "\",\"initiated_by\":\"" + initiatedBy + "\",\"action\":\"cancel\",\"cancellation_reason\":\"" + reason + "\"}";
    }

    private static String reschedule(String key, String start, String end) {
        return "{\"change_key\":\"" + key + "\",\"initiated_by\":\"patient\",\"action\":\"reschedule\",\"start\":\"" + start + "\",\"end\":\"" + end + "\"}";
    }

    private static long accepted(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).get("change_id").asLong();
    }

    /** A TIMESTAMP WITH TIME ZONE as H2 (OffsetDateTime) and the PostgreSQL driver (Timestamp) return it. */
    private static Instant instant(Object timestamp) {
        return timestamp instanceof java.sql.Timestamp t ? t.toInstant() : ((OffsetDateTime) timestamp).toInstant();
    }

    @ParameterizedTest
    @CsvSource({"h2, 10311", "postgresql, 10312"})
    void aCancelAndARescheduleAreWrittenToTheEhrOnceAndBadOnesAreRefusedNamingTheField(String database, long seed) throws Exception {
        List<String> patients = EHR.seedPatients(2, seed);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        AppointmentFixtures.Practice practice = ehr.practice(AppointmentFixtures.CLINIC);
        String first = ehr.appointment(practice, patients.get(0), "2027-06-10T09:00:00-04:00", "2027-06-10T09:30:00-04:00");
        String second = ehr.appointment(practice, patients.get(1), "2027-06-10T11:00:00-04:00", "2027-06-10T11:30:00-04:00");
        Map<String, String> settings = settings(EHR.fhirBaseUrl(), database, seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            engine.pollAppointments();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

            long cancelled = accepted(post(api, "/api/v1/appointments/ehr/" + first + "/changes", portal, cancel("c-1", "patient", "Feeling better")));
            JsonNode status = api.awaitChangeEnd(cancelled, portal);

            Appointment atEhr = ehr.read(first);
            assertThat(status.get("status").asText()).as(status.toString()).isEqualTo("DONE");
            assertThat(status.get("action").asText()).isEqualTo("cancel");
            assertThat(status.get("appointment").asText()).isEqualTo("ehr/Appointment/" + first);
            assertThat(status.get("fields").get("status").asText()).isEqualTo("APPLIED");
            assertThat(status.get("ehr_version").asText()).isEqualTo(atEhr.getMeta().getVersionId()).isEqualTo("2");
            assertThat(atEhr.getStatus()).isEqualTo(Appointment.AppointmentStatus.CANCELLED);
            assertThat(atEhr.getCancelationReason().getText()).isEqualTo("Feeling better");
            assertThat(atEhr.getStartElement().getValueAsString()).isEqualTo("2027-06-10T09:00:00-04:00");
            assertThat(engine.rows("SELECT status, cancellation_reason FROM portal_appointment WHERE source_id = ?", first).get(0))
                    .containsEntry("status", "cancelled").containsEntry("cancellation_reason", "Feeling better");

            // the same key again: the first change, no second write
            HttpResponse<String> again = post(api, "/api/v1/appointments/ehr/" + first + "/changes", portal, cancel("c-1", "patient", "Feeling better"));
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(again.body()).get("change_id").asLong()).isEqualTo(cancelled);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Appointment.update'")).isEqualTo(1);
            assertThat(ehr.read(first).getMeta().getVersionId()).isEqualTo("2");

            long moved = accepted(post(api, "/api/v1/appointments/ehr/" + second + "/changes", portal,
                    reschedule("r-1", "2027-06-11T15:00:00-04:00", "2027-06-11T15:30:00-04:00")));
            JsonNode movedStatus = api.awaitChangeEnd(moved, portal);
            assertThat(movedStatus.get("status").asText()).as(movedStatus.toString()).isEqualTo("DONE");
            assertThat(ehr.read(second).getStartElement().getValueAsString()).isEqualTo("2027-06-11T15:00:00-04:00");
            assertThat(ehr.read(second).getEndElement().getValueAsString()).isEqualTo("2027-06-11T15:30:00-04:00");
            assertThat(instant(engine.rows("SELECT start_at FROM portal_appointment WHERE source_id = ?", second).get(0).get("start_at")))
                    .isEqualTo(Instant.parse("2027-06-11T19:00:00Z"));

            // refused, nothing stored
            String path = "/api/v1/appointments/ehr/" + second + "/changes";
            HttpResponse<String> staffCancel = post(api, path, portal, cancel("x-1", "staff", "Double booked"));
            assertThat(staffCancel.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(staffCancel.body()).get("message").asText()).contains("appointment.status is decided by the EHR");
            assertThat(post(api, "/api/v1/appointments/ehr/no-such/changes", portal, cancel("x-2", "patient", "r")).statusCode()).isEqualTo(404);
            HttpResponse<String> backwards = post(api, path, portal, reschedule("x-3", "2027-06-12T10:00:00-04:00", "2027-06-12T09:30:00-04:00"));
            assertThat(backwards.statusCode()).isEqualTo(422);
            assertThat(backwards.body()).contains("end: not after start");
            HttpResponse<String> local = post(api, path, portal, reschedule("x-4", "2027-06-12T10:00:00", "2027-06-12T10:30:00"));
            assertThat(local.statusCode()).isEqualTo(422);
            assertThat(local.body()).contains("start: not an ISO instant with an offset");
            HttpResponse<String> past = post(api, path, portal, reschedule("x-5", "2020-06-12T10:00:00-04:00", "2020-06-12T10:30:00-04:00"));
            assertThat(past.statusCode()).isEqualTo(422);
            assertThat(past.body()).contains("start: in the past");
            HttpResponse<String> twice = post(api, "/api/v1/appointments/ehr/" + first + "/changes", portal, cancel("x-6", "patient", "again"));
            assertThat(twice.statusCode()).isEqualTo(422);
            assertThat(twice.body()).contains("appointment: already cancelled");
            HttpResponse<String> unknown = post(api, path, portal, "{\"change_key\":\"x-7\",\"initiated_by\":\"patient\",\"action\":\"book\"}");
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change")).isEqualTo(2);
        }
    }

    @Test
    void freeSlotsAreListedInFacilityTimeAndABookingTakesOneWhileATakenSlotBooksNothing() throws Exception {
        long seed = 10313;
        String patient = EHR.seedPatients(1, seed).get(0);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        AppointmentFixtures.Practice practice = ehr.practice(AppointmentFixtures.CLINIC);
        String schedule = ehr.schedule(practice);
        String nine = ehr.freeSlot(schedule, "2027-07-01T09:00:00-04:00", "2027-07-01T09:30:00-04:00");
        String ten = ehr.freeSlot(schedule, "2027-07-01T10:00:00-04:00", "2027-07-01T10:30:00-04:00");
        String eleven = ehr.freeSlot(schedule, "2027-07-01T11:00:00-04:00", "2027-07-01T11:30:00-04:00");
        ehr.freeSlot(schedule, "2027-07-05T10:00:00-04:00", "2027-07-05T10:30:00-04:00");
        Map<String, String> settings = settings(EHR.fhirBaseUrl(), "h2", seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

            HttpResponse<String> listed = api.get("/api/v1/appointments/ehr/slots?practitioner=" + practice.practitionerId()
                    + "&start=2027-07-01&end=2027-07-02", portal);
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            JsonNode slots = JSON.readTree(listed.body()).get("slots");
            assertThat(slots).hasSize(3);
            assertThat(slots.get(0).get("slot_id").asText()).isEqualTo(nine);
            assertThat(slots.get(0).get("start").asText()).isEqualTo("2027-07-01T13:00:00Z");
            assertThat(slots.get(0).get("local_start").asText()).isEqualTo("2027-07-01T09:00:00-04:00");
            assertThat(slots.get(0).get("zone").asText()).isEqualTo("America/New_York");
            assertThat(slots.get(0).get("location").asText()).isEqualTo("Location/" + practice.locationId());
            assertThat(api.get("/api/v1/appointments/ehr/slots?start=2027-07-01", portal).statusCode()).isEqualTo(400);

            long booking = accepted(post(api, "/api/v1/patients/ehr/" + patient + "/bookings", portal,
                    "{\"change_key\":\"b-1\",\"slot_id\":\"" + nine + "\",\"reason\":\"Knee pain\"}"));
            JsonNode done = api.awaitChangeEnd(booking, portal);

            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("DONE");
            List<Appointment> made = ehr.bookedFor(engine, booking);
            assertThat(made).hasSize(1);
            Appointment booked = made.get(0);
            assertThat(booked.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);
            assertThat(booked.getSlotFirstRep().getReference()).isEqualTo("Slot/" + nine);
            assertThat(booked.getStartElement().getValueAsString()).isEqualTo("2027-07-01T09:00:00-04:00");
            assertThat(booked.getParticipant()).extracting(p -> p.getActor().getReference())
                    .containsExactly("Patient/" + patient, "Practitioner/" + practice.practitionerId(), "Location/" + practice.locationId());
            assertThat(ehr.slot(nine).getStatus()).isEqualTo(Slot.SlotStatus.BUSY);
            assertThat(done.get("appointment").asText()).isEqualTo("ehr/Appointment/" + booked.getIdElement().getIdPart());
            assertThat(engine.rows("SELECT status, start_at, reason_text FROM portal_appointment WHERE source_id = ?", booked.getIdElement().getIdPart()))
                    .singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("status", "booked").containsEntry("reason_text", "Knee pain");
                        assertThat(instant(row.get("start_at"))).isEqualTo(Instant.parse("2027-07-01T13:00:00Z"));
                    });
            HttpResponse<String> again = post(api, "/api/v1/patients/ehr/" + patient + "/bookings", portal,
                    "{\"change_key\":\"b-1\",\"slot_id\":\"" + nine + "\",\"reason\":\"Knee pain\"}");
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(ehr.bookedFor(engine, booking)).hasSize(1);

            // the front desk gives ten o'clock away after the patient saw it free
            Slot taken = ehr.slot(ten);
            taken.setStatus(Slot.SlotStatus.BUSY);
            EHR.adminClient().update().resource(taken).execute();
            long late = accepted(post(api, "/api/v1/patients/ehr/" + patient + "/bookings", portal,
                    "{\"change_key\":\"b-2\",\"slot_id\":\"" + ten + "\"}"));
            JsonNode failed = api.awaitChangeEnd(late, portal);
            assertThat(failed.get("status").asText()).isEqualTo("FAILED");
            assertThat(failed.get("patient_message").asText()).isEqualTo(SLOT_TAKEN);
            assertThat(ehr.bookedFor(engine, late)).as("nothing written to the EHR").isEmpty();
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE record_ref = ?", "Slot/" + ten)).isEqualTo(1);

            // the patient moves the booked appointment into eleven o'clock's slot: nine o'clock is free again
            String bookedId = booked.getIdElement().getIdPart();
            String path = "/api/v1/appointments/ehr/" + bookedId + "/changes";
            long moved = accepted(post(api, path, portal, "{\"change_key\":\"m-1\",\"initiated_by\":\"patient\",\"action\":\"reschedule\","
                    + "\"start\":\"2027-07-01T11:00:00-04:00\",\"end\":\"2027-07-01T11:30:00-04:00\",\"slot_id\":\"" + eleven + "\"}"));
            assertThat(api.awaitChangeEnd(moved, portal).get("status").asText()).isEqualTo("DONE");
            assertThat(ehr.read(bookedId).getSlotFirstRep().getReference()).isEqualTo("Slot/" + eleven);
            assertThat(ehr.read(bookedId).getStartElement().getValueAsString()).isEqualTo("2027-07-01T11:00:00-04:00");
            assertThat(ehr.slot(eleven).getStatus()).isEqualTo(Slot.SlotStatus.BUSY);
            assertThat(ehr.slot(nine).getStatus()).isEqualTo(Slot.SlotStatus.FREE);
            // and then into ten o'clock's, which the front desk gave away: nothing changes anywhere
            long refused = accepted(post(api, path, portal, "{\"change_key\":\"m-2\",\"initiated_by\":\"patient\",\"action\":\"reschedule\","
                    + "\"start\":\"2027-07-01T10:00:00-04:00\",\"end\":\"2027-07-01T10:30:00-04:00\",\"slot_id\":\"" + ten + "\"}"));
            JsonNode refusedStatus = api.awaitChangeEnd(refused, portal);
            assertThat(refusedStatus.get("status").asText()).isEqualTo("FAILED");
            assertThat(refusedStatus.get("patient_message").asText()).isEqualTo(SLOT_TAKEN);
            assertThat(ehr.read(bookedId).getStartElement().getValueAsString()).isEqualTo("2027-07-01T11:00:00-04:00");
            assertThat(instant(engine.rows("SELECT start_at FROM portal_appointment WHERE source_id = ?", bookedId).get(0).get("start_at")))
                    .as("the portal shows the EHR's time again").isEqualTo(Instant.parse("2027-07-01T15:00:00Z"));
        }
    }

    @Test
    void aSlotTakenBetweenTheEnginesReadAndItsUpdateLeavesNoBookingStanding() throws Exception {
        long seed = 10314;
        String patient = EHR.seedPatients(1, seed).get(0);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        AppointmentFixtures.Practice practice = ehr.practice(AppointmentFixtures.CLINIC);
        String slot = ehr.freeSlot(ehr.schedule(practice), "2027-08-02T14:00:00-04:00", "2027-08-02T14:30:00-04:00");
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = settings(proxy.baseUrl() + "/fhir", "h2", seed);
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.poll();
                String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
                ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
                // as the engine's read of the slot passes, the front desk books it for someone else
                proxy.rewriteNextBody(1, body -> {
                    Slot atEhr = ehr.slot(slot);
                    atEhr.setStatus(Slot.SlotStatus.BUSY);
                    EHR.adminClient().update().resource(atEhr).execute();
                    return body;
                }, "GET", "/Slot/" + slot);

                long booking = accepted(post(api, "/api/v1/patients/ehr/" + patient + "/bookings", portal,
                        "{\"change_key\":\"race-1\",\"slot_id\":\"" + slot + "\"}"));
                JsonNode failed = api.awaitChangeEnd(booking, portal);

                assertThat(failed.get("status").asText()).as(failed.toString()).isEqualTo("FAILED");
                assertThat(failed.get("patient_message").asText()).isEqualTo(SLOT_TAKEN);
                assertThat(proxy.responses()).filteredOn(r -> r.pathAndQuery().contains("/Slot/" + slot))
                        .filteredOn(r -> r.status() == 409 || r.status() == 412).hasSize(1);
                // the Appointment made before the slot update lost is withdrawn: nothing stays booked for the patient
                assertThat(ehr.bookedFor(engine, booking)).singleElement()
                        .satisfies(a -> assertThat(a.getStatus()).isEqualTo(Appointment.AppointmentStatus.ENTEREDINERROR));
                assertThat(ehr.slot(slot).getStatus()).isEqualTo(Slot.SlotStatus.BUSY);
                engine.pollAppointments();
                assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE deleted_at IS NULL")).isZero();
            }
        }
    }

    @Test
    void aBookingWhoseAnswerWasLostIsFinishedAfterARestartWithoutASecondAppointment() throws Exception {
        long seed = 10315;
        String patient = EHR.seedPatients(1, seed).get(0);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        String slot = ehr.freeSlot(ehr.schedule(ehr.practice(AppointmentFixtures.CLINIC)), "2027-09-06T08:00:00-04:00", "2027-09-06T08:30:00-04:00");
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = settings(proxy.baseUrl() + "/fhir", "h2", seed);
            settings.put(PortalSyncSettings.FHIR_READ_TIMEOUT, "2s");
            // the retry after the lost answer is due 3 s later: after this engine has stopped
            settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "3s");
            long booking;
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.poll();
                String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
                // the EHR creates the Appointment, but its answer comes too late: the engine stops mid-write
                proxy.rewriteNextBody(1, body -> {
                    try {
                        Thread.sleep(4000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return body;
                }, "POST", "/Appointment");
                booking = accepted(post(new ApiTestClient(engine.apiBaseUrl()), "/api/v1/patients/ehr/" + patient + "/bookings", portal,
                        "{\"change_key\":\"restart-1\",\"slot_id\":\"" + slot + "\"}"));
                for (Instant until = Instant.now().plusSeconds(20); Instant.now().isBefore(until); Thread.sleep(100)) {
                    if (engine.count("SELECT COUNT(*) FROM portal_change WHERE id = ? AND attempts = 1", booking) == 1) {
                        break;
                    }
                }
                assertThat(engine.rows("SELECT status, attempts FROM portal_change WHERE id = ?", booking).get(0))
                        .containsEntry("status", "WRITING_BACK").containsEntry("attempts", 1);
                assertThat(ehr.bookedFor(engine, booking)).as("created at the EHR before the engine stopped").hasSize(1);
            }
            Thread.sleep(3000);
            // a new engine on the same portal database: the sweep takes the change up again
            settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "1s");
            try (TestEngine engine = TestEngine.start(settings)) {
                for (Instant until = Instant.now().plusSeconds(30); Instant.now().isBefore(until); Thread.sleep(200)) {
                    if (engine.count("SELECT COUNT(*) FROM portal_change WHERE id = ? AND status = 'DONE'", booking) == 1) {
                        break;
                    }
                }
                assertThat(engine.rows("SELECT status FROM portal_change WHERE id = ?", booking).get(0)).containsEntry("status", "DONE");
                assertThat(ehr.bookedFor(engine, booking)).as("one Appointment, however often the create was tried").singleElement()
                        .satisfies(a -> assertThat(a.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED));
                assertThat(ehr.slot(slot).getStatus()).isEqualTo(Slot.SlotStatus.BUSY);
            }
        }
    }

    @Test
    void manyPatientsCancelWhileTheFrontDeskReschedulesTheSameAppointmentsAndBothSidesAgree() throws Exception {
        long seed = 10316;
        int n = 40;
        List<String> patients = EHR.seedPatients(n, seed);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        AppointmentFixtures.Practice practice = ehr.practice(AppointmentFixtures.CLINIC);
        List<String> appointments = new ArrayList<>();
        List<String> staffStarts = new ArrayList<>();
        List<String> staffEnds = new ArrayList<>();
        java.time.format.DateTimeFormatter text = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
        java.time.ZoneId newYork = java.time.ZoneId.of("America/New_York");
        for (int i = 0; i < n; i++) {
            // one a week through 2027 (both offsets of New York); the front desk moves each to the next afternoon
            java.time.LocalDate day = java.time.LocalDate.of(2027, 1, 4).plusDays(i * 7L);
            java.time.ZonedDateTime at = day.atTime(9, 0).atZone(newYork);
            appointments.add(ehr.appointment(practice, patients.get(i), at.format(text), at.plusMinutes(30).format(text)));
            java.time.ZonedDateTime moved = day.plusDays(1).atTime(15, 0).atZone(newYork);
            staffStarts.add(moved.format(text));
            staffEnds.add(moved.plusMinutes(30).format(text));
        }
        Map<String, String> settings = settings(EHR.fhirBaseUrl(), "h2", seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            engine.pollAppointments();
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Long>> cancels = new ArrayList<>();
            List<Future<?>> edits = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = appointments.get(i);
                String start = staffStarts.get(i);
                String end = staffEnds.get(i);
                cancels.add(pool.submit(() -> {
                    go.await();
                    return accepted(post(api, "/api/v1/appointments/ehr/" + id + "/changes", portal, cancel("many-" + id, "patient", "Can't make it")));
                }));
                edits.add(pool.submit(() -> {
                    go.await();
                    return ehr.staffEdit(id, a -> {
                        a.getStartElement().setValueAsString(start);
                        a.getEndElement().setValueAsString(end);
                    });
                }));
            }
            go.countDown();
            List<Long> ids = new ArrayList<>();
            for (Future<Long> each : cancels) {
                ids.add(each.get());
            }
            for (Future<?> each : edits) {
                each.get();
            }
            pool.shutdown();
            for (long id : ids) {
                assertThat(api.awaitChangeEnd(id, portal).get("status").asText()).as("change " + id).isEqualTo("DONE");
            }
            engine.pollAppointments();

            for (int i = 0; i < n; i++) {
                String id = appointments.get(i);
                Appointment atEhr = ehr.read(id);
                assertThat(atEhr.getStatus()).as("EHR status of " + id).isEqualTo(Appointment.AppointmentStatus.CANCELLED);
                assertThat(atEhr.getCancelationReason().getText()).isEqualTo("Can't make it");
                assertThat(atEhr.getStartElement().getValueAsString()).as("EHR start of " + id).isEqualTo(staffStarts.get(i));
                Map<String, Object> row = engine.rows("SELECT status, cancellation_reason, start_at FROM portal_appointment WHERE source_id = ?", id).get(0);
                assertThat(row).as("portal row of " + id).containsEntry("status", "cancelled").containsEntry("cancellation_reason", "Can't make it");
                assertThat(instant(row.get("start_at"))).as("portal start of " + id).isEqualTo(OffsetDateTime.parse(staffStarts.get(i)).toInstant());
            }
            long conflicts = engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Appointment.update' AND result LIKE 'failure: HTTP 4%'");
            System.out.printf("Concurrent appointment edits: %d cancels, %d staff reschedules, %d version conflicts re-merged%n", n, n, conflicts);
            assertThat(ids).hasSize(n).doesNotHaveDuplicates();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change WHERE appointment_action = 'cancel'")).isEqualTo(n);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change WHERE appointment_action = 'cancel' AND status = 'DONE'")).isEqualTo(n);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change WHERE status <> 'DONE'")).as("lost or failed").isZero();
            assertThat(ehr.appointmentsAtEhr()).as("no duplicate appointment at the EHR").hasSize(n);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).as("no duplicate appointment in the portal").isEqualTo(n);
        }
    }
}
