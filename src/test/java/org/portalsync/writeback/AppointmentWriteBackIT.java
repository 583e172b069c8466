package org.portalsync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Appointment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * Appointment changes from the portal reach the real sandbox EHR (HAPI FHIR JPA: its versions and If-Match are real):
 * a staff reschedule made at the EHR between the engine's read and its update (by the proxy, as the read passes it)
 * meets a patient's cancel; reschedules across the 2026 DST transitions of New York and Berlin carry the offset the
 * facility's zone has at the new time. Changes enter through the outbox table, as in {@link WriteBackIT}.
 */
class AppointmentWriteBackIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private FaultInjectingProxy proxy;

    @BeforeEach
    void startProxy() {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    static Map<String, String> settings(String fhirBaseUrl, String database, long seed) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, fhirBaseUrl, database, seed));
        settings.put(PortalSyncSettings.FHIR_ZONE, "America/New_York");
        settings.put(PortalSyncSettings.WRITE_BACK_ENABLED, "true");
        settings.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write system/Coverage.read system/Coverage.write system/Appointment.read system/Appointment.write"
                + " system/Slot.read system/Slot.write system/Schedule.read system/Practitioner.read system/Location.read");
        // the test hands each change over itself
        settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "1h");
        return settings;
    }

    @Test
    void aStaffRescheduleBetweenReadAndUpdateGets412AndThePatientsCancelWinsWithTheStaffsTimes() throws Exception {
        long seed = 10301;
        String patient = EHR.seedPatients(1, seed).get(0);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        AppointmentFixtures.Practice practice = ehr.practice(AppointmentFixtures.CLINIC);
        String id = ehr.appointment(practice, patient, "2027-04-12T09:00:00-04:00", "2027-04-12T09:30:00-04:00");
        try (TestEngine engine = TestEngine.start(settings(proxy.baseUrl() + "/fhir", "h2", seed))) {
            engine.poll();
            engine.pollAppointments();
            long change = AppointmentFixtures.submit(engine, id, "cancel-1", "patient", AppointmentChange.cancel("Feeling better"), Instant.now());
            // as the engine's read passes, the front desk moves the appointment at the EHR (with If-Match, as its screen does)
            proxy.rewriteNextBody(1, body -> {
                ehr.staffEdit(id, a -> {
                    a.getStartElement().setValueAsString("2027-04-13T14:00:00-04:00");
                    a.getEndElement().setValueAsString("2027-04-13T14:30:00-04:00");
                });
                return body;
            }, "GET", "/Appointment/" + id);

            WriteBackIT.handOver(engine, change);

            assertThat(WriteBackIT.change(engine, change)).containsEntry("status", "DONE");
            assertThat(proxy.responses()).filteredOn(r -> r.status() == 409 || r.status() == 412).hasSize(1);
            Appointment atEhr = ehr.read(id);
            assertThat(atEhr.getStatus()).isEqualTo(Appointment.AppointmentStatus.CANCELLED);
            assertThat(atEhr.getCancelationReason().getText()).isEqualTo("Feeling better");
            assertThat(atEhr.getStartElement().getValueAsString()).as("the staff's times stand").isEqualTo("2027-04-13T14:00:00-04:00");
            assertThat(WriteBackIT.change(engine, change)).containsEntry("ehr_version", atEhr.getMeta().getVersionId());
            Map<String, Object> row = engine.rows("SELECT status, cancellation_reason, start_at, end_at FROM portal_appointment WHERE source_id = ?", id)
                    .get(0);
            assertThat(row).containsEntry("status", "cancelled").containsEntry("cancellation_reason", "Feeling better");
            assertThat(((java.time.OffsetDateTime) row.get("start_at")).toInstant()).isEqualTo(Instant.parse("2027-04-13T18:00:00Z"));
            // the next poll reads the engine's own update back: nothing to merge
            engine.pollAppointments();
            assertThat(engine.rows("SELECT status FROM portal_appointment WHERE source_id = ?", id).get(0)).containsEntry("status", "cancelled");
        }
    }

    @Test
    void aChangeThatMeets412EveryTimeFailsWithTheConfiguredMessageAndADataQualityRow() throws Exception {
        long seed = 10302;
        String patient = EHR.seedPatients(1, seed).get(0);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        String id = ehr.appointment(ehr.practice(AppointmentFixtures.CLINIC), patient, "2027-05-03T10:00:00-04:00", "2027-05-03T10:30:00-04:00");
        Map<String, String> settings = settings(proxy.baseUrl() + "/fhir", "h2", seed);
        settings.put(PortalSyncSettings.WRITE_BACK_MAX_CONFLICT_RETRIES, "2");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            engine.pollAppointments();
            long change = AppointmentFixtures.submit(engine, id, "move-1", "patient",
                    AppointmentChange.reschedule(Instant.parse("2027-05-04T14:00:00Z"), Instant.parse("2027-05-04T14:30:00Z"), null), Instant.now());
            proxy.rewriteNextBody(3, body -> {
                ehr.staffEdit(id, a -> a.setComment("edited " + System.nanoTime()));
                return body;
            }, "GET", "/Appointment/" + id);

            WriteBackIT.handOver(engine, change);

            assertThat(WriteBackIT.change(engine, change)).containsEntry("status", "FAILED")
                    .containsEntry("patient_message", "We couldn't reschedule your appointment. Please call our front desk.");
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE record_ref = ? AND field = 'appointment.start'", "Appointment/" + id))
                    .isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'WRITE_BACK_FAILED'")).isEqualTo(1);
            assertThat(ehr.read(id).getStartElement().getValueAsString()).isEqualTo("2027-05-03T10:00:00-04:00");
            assertThat(((java.time.OffsetDateTime) engine.rows("SELECT start_at FROM portal_appointment WHERE source_id = ?", id).get(0)
                    .get("start_at")).toInstant()).as("the portal shows the EHR's time again, not one it does not have")
                    .isEqualTo(Instant.parse("2027-05-03T14:00:00Z"));
        }
    }

    @Test
    void aRescheduleAcrossEachDstTransitionIsWrittenWithTheOffsetOfTheNewTime() throws Exception {
        long seed = 10303;
        List<String> patients = EHR.seedPatients(5, seed);
        AppointmentFixtures ehr = new AppointmentFixtures(EHR, seed);
        AppointmentFixtures.Practice newYork = ehr.practice(AppointmentFixtures.CLINIC);
        AppointmentFixtures.Practice berlin = ehr.practice("Praxis am See");
        // before each transition -> after it (and into both halves of New York's repeated hour)
        String springNy = ehr.appointment(newYork, patients.get(0), "2026-03-06T10:00:00-05:00", "2026-03-06T10:30:00-05:00");
        String fallNy = ehr.appointment(newYork, patients.get(1), "2026-10-30T10:00:00-04:00", "2026-10-30T10:30:00-04:00");
        String firstOneThirty = ehr.appointment(newYork, patients.get(2), "2026-10-31T09:00:00-04:00", "2026-10-31T09:30:00-04:00");
        String secondOneThirty = ehr.appointment(newYork, patients.get(3), "2026-10-31T09:00:00-04:00", "2026-10-31T09:30:00-04:00");
        String springBerlin = ehr.appointment(berlin, patients.get(4), "2026-03-27T10:00:00+01:00", "2026-03-27T10:30:00+01:00");
        Map<String, String> settings = settings(EHR.fhirBaseUrl(), "h2", seed);
        settings.put(PortalSyncSettings.APPOINTMENTS_LOCATION_ZONES, "Location/" + berlin.locationId() + "=Europe/Berlin");
        Map<String, String[]> expected = Map.of(
                springNy, new String[] {"2026-03-09T14:00:00Z", "2026-03-09T10:00:00-04:00"},
                fallNy, new String[] {"2026-11-02T15:00:00Z", "2026-11-02T10:00:00-05:00"},
                firstOneThirty, new String[] {"2026-11-01T05:30:00Z", "2026-11-01T01:30:00-04:00"},
                secondOneThirty, new String[] {"2026-11-01T06:30:00Z", "2026-11-01T01:30:00-05:00"},
                springBerlin, new String[] {"2026-03-30T08:00:00Z", "2026-03-30T10:00:00+02:00"});
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            engine.pollAppointments();
            for (Map.Entry<String, String[]> each : expected.entrySet()) {
                Instant start = Instant.parse(each.getValue()[0]);
                long change = AppointmentFixtures.submit(engine, each.getKey(), "dst-" + each.getKey(), "patient",
                        AppointmentChange.reschedule(start, start.plusSeconds(1800), null), Instant.now());
                WriteBackIT.handOver(engine, change);
                assertThat(WriteBackIT.change(engine, change)).as(each.getKey()).containsEntry("status", "DONE");
            }
            for (Map.Entry<String, String[]> each : expected.entrySet()) {
                Appointment atEhr = ehr.read(each.getKey());
                assertThat(atEhr.getStartElement().getValueAsString()).as("start of " + each.getKey()).isEqualTo(each.getValue()[1]);
                assertThat(Instant.parse(each.getValue()[0]).plusSeconds(1800))
                        .isEqualTo(java.time.OffsetDateTime.parse(atEhr.getEndElement().getValueAsString()).toInstant());
                assertThat(engine.rows("SELECT start_at FROM portal_appointment WHERE source_id = ?", each.getKey()).get(0).get("start_at"))
                        .satisfies(at -> assertThat(((java.time.OffsetDateTime) at).toInstant()).isEqualTo(Instant.parse(each.getValue()[0])));
            }
            // read back by the next poll: the same instants, nothing in conflict
            engine.pollAppointments();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_field_conflict")).isZero();
        }
    }
}
