package org.portalsync.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxAppointmentGenerator;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * The daily appointment reconciliation against the real sandbox EHR and the real engine: the test books a known set of
 * appointments in America/New_York (on both sides of the window's edges and on 1 November 2026, the day with two
 * 01:30s), syncs them, then makes each kind of discrepancy on purpose without polling, and checks that a run finds
 * exactly those (the expected rows come from what the test did, never from the engine's tables), that repair corrects
 * what the EHR decides and never a patient's cancellation the EHR has not received, and that fields that are not
 * real-time wait for the run, which applies them.
 */
class AppointmentReconciliationIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String FIRST_DAY = "2026-10-20";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter WITH_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

    /** What the EHR holds of one appointment the test made. */
    private record Made(String id, String patientId) {
    }

    private static Map<String, String> settings(String database, long seed) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), database, seed));
        settings.put(PortalSyncSettings.FHIR_ZONE, SandboxAppointmentGenerator.ZONE.getId());
        // a small page, so that a run reads several pages
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "4");
        return settings;
    }

    @ParameterizedTest
    @CsvSource({"h2, 10351", "postgresql, 10352"})
    void aRunFindsExactlyTheDiscrepanciesMadeAndRepairsOnlyWhatTheEhrDecides(String database, long seed) throws Exception {
        List<String> patients = EHR.seedPatientsOneByOne(3, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        String p0 = patients.get(0);
        String p1 = patients.get(1);
        String p2 = patients.get(2);
        Sandbox ehr = new Sandbox(seed);
        try (TestEngine engine = TestEngine.start(settings(database, seed))) {
            engine.poll();
            // the window: 2026-10-20 00:00 EDT (04:00Z) to 2026-11-19 00:00 EST (05:00Z), 30 days, one of them 25 hours long
            ehr.book(p0, "2026-10-20T00:30:00-04:00", true);
            Made lost = ehr.book(p0, "2026-10-22T09:00:00-04:00", false);
            Made arrives = ehr.book(p1, "2026-10-23T10:00:00-04:00", true);
            Made reassigned = ehr.book(p1, "2026-10-26T11:00:00-04:00", false);
            Made earlier = ehr.book(p2, "2026-10-28T14:00:00-04:00", true);
            Made movedOut = ehr.book(p2, "2026-10-30T15:00:00-04:00", false);
            ehr.book(p0, "2026-11-01T01:30:00-04:00", false);
            Made secondOneThirty = ehr.book(p1, "2026-11-01T01:30:00-05:00", true);
            Made deleted = ehr.book(p2, "2026-11-05T09:00:00-05:00", false);
            ehr.book(p0, "2026-11-18T23:45:00-05:00", true);
            ehr.book(p1, "2026-11-01T01:30:00", false);
            ehr.book(p0, "2026-10-19T23:30:00-04:00", true);
            ehr.book(p1, "2026-11-19T00:15:00-05:00", false);
            engine.pollAppointments();
            String mark = mark(engine);

            assertThat(run(engine, false)).startsWith("Reconciled appointments from 2026-10-20 for 30 days (America/New_York): "
                    + "11 at the EHR, 10 in the portal, 1 unreadable; 0 missing in the portal, 0 missing at the EHR, 0 fields differ, "
                    + "0 patients differ; 0 repaired, 0 deferred fields applied");
            assertThat(found(engine)).as("in step: both 01:30s of 1 November, both edges of the window").isEmpty();

            // each kind of discrepancy, made without polling
            delete(engine, lost.id());
            Made added = ehr.book(p2, "2026-11-10T10:00:00-05:00", false);
            ehr.edit(arrives.id(), a -> a.setStatus(Appointment.AppointmentStatus.ARRIVED));
            ehr.edit(reassigned.id(), a -> a.getParticipantFirstRep().setActor(new Reference("Patient/" + p2)));
            ehr.edit(earlier.id(), a -> a.getStartElement().setValueAsString("2026-10-28T13:00:00-04:00"));
            ehr.edit(movedOut.id(), a -> {
                a.getStartElement().setValueAsString("2026-12-15T15:00:00-05:00");
                a.getEndElement().setValueAsString("2026-12-15T15:30:00-05:00");
            });
            cancelInPortal(engine, secondOneThirty.id());
            EHR.adminClient().delete().resourceById("Appointment", deleted.id()).execute();

            List<String> expected = List.of(
                    row(lost, "missing-in-portal", null), row(added, "missing-in-portal", null),
                    row(arrives, "field-differs", "status"), row(reassigned, "patient-differs", "patient"),
                    row(earlier, "field-differs", "start"), row(movedOut, "field-differs", "start"), row(movedOut, "field-differs", "end"),
                    row(secondOneThirty, "field-differs", "status"), row(deleted, "missing-in-ehr", null));

            String report = run(engine, false);

            assertThat(report).contains("10 at the EHR, 9 in the portal, 1 unreadable; 2 missing in the portal, 1 missing at the EHR, "
                    + "5 fields differ, 1 patients differ; 0 repaired");
            assertThat(found(engine)).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(latestRun(engine)).containsEntry("status", "completed").containsEntry("missing_in_portal", 2)
                    .containsEntry("missing_in_ehr", 1).containsEntry("field_differs", 5).containsEntry("patient_differs", 1)
                    .containsEntry("repaired", 0);
            assertThat(engine.rows("SELECT ehr_value, portal_value FROM reconciliation_discrepancy WHERE run_id = ? AND appointment_source_id = ?",
                    latestRunId(engine), earlier.id())).singleElement()
                    .isEqualTo(Map.of("ehr_value", "2026-10-28T13:00-04:00", "portal_value", "2026-10-28T14:00-04:00"));
            assertThat(engine.rows("SELECT status FROM portal_appointment WHERE source_id = ?", arrives.id()).get(0))
                    .as("without repair the portal is left as it is").containsEntry("status", "booked");
            assertThat(mark(engine)).as("the appointment feed's mark stays").isEqualTo(mark);

            report = run(engine, true);

            assertThat(report).contains("2 missing in the portal, 1 missing at the EHR, 5 fields differ, 1 patients differ; 8 repaired");
            List<String> repaired = new ArrayList<>(expected);
            repaired.remove(row(secondOneThirty, "field-differs", "status"));
            assertThat(engine.rows("SELECT appointment_source_id AS id, kind, field FROM reconciliation_discrepancy WHERE run_id = ? AND repaired",
                    latestRunId(engine)).stream().map(AppointmentReconciliationIT::row).toList()).containsExactlyInAnyOrderElementsOf(repaired);
            assertThat(engine.rows("SELECT status, note FROM portal_appointment a JOIN reconciliation_discrepancy d ON d.portal_appointment_id = a.id"
                    + " WHERE d.run_id = ? AND a.source_id = ?", latestRunId(engine), secondOneThirty.id())).singleElement()
                    .as("a patient's cancellation the EHR has not received is never undone")
                    .isEqualTo(Map.of("status", "cancelled", "note", CompareAppointmentWindow.PORTAL_SET));
            assertThat(engine.rows("SELECT status FROM portal_appointment WHERE source_id = ?", arrives.id()).get(0)).containsEntry("status", "arrived");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id"
                    + " WHERE a.source_id = ? AND p.source_id = ?", reassigned.id(), p2)).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND start_at = ?", earlier.id(),
                    utc("2026-10-28T17:00:00Z"))).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id IN (?, ?) AND deleted_at IS NULL", lost.id(), added.id()))
                    .isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND deleted_at IS NOT NULL", deleted.id()))
                    .as("gone at the EHR (410): out of view, kept").isEqualTo(1);

            assertThat(run(engine, false)).as("repaired: only the patient's cancellation remains, names and all")
                    .contains("10 at the EHR, 9 in the portal, 1 unreadable; 0 missing in the portal, 0 missing at the EHR, 1 fields differ, 0 patients differ");
            assertThat(found(engine)).containsExactly(row(secondOneThirty, "field-differs", "status"));
        }
    }

    @Test
    void aDayOfTwentyFiveHoursIsOneDayOfTheWindow() throws Exception {
        long seed = 10354;
        List<String> patients = EHR.seedPatientsOneByOne(3, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        Sandbox ehr = new Sandbox(seed);
        try (TestEngine engine = TestEngine.start(settings("h2", seed))) {
            engine.poll();
            ehr.book(patients.get(0), "2026-10-31T23:59:00-04:00", true);
            Made midnight = ehr.book(patients.get(0), "2026-11-01T00:00:00-04:00", false);
            Made lateEvening = ehr.book(patients.get(1), "2026-11-01T23:30:00-05:00", true);
            ehr.book(patients.get(2), "2026-11-02T00:00:00-05:00", false);
            engine.pollAppointments();
            delete(engine, midnight.id());
            delete(engine, lateEvening.id());

            String report = engine.request("direct:appointment-reconciliation-run", null, Map.of(StartAppointmentReconciliation.DAY, "2026-11-01",
                    StartAppointmentReconciliation.DAYS, 1)).toString();

            assertThat(report).contains("2 at the EHR, 0 in the portal, 0 unreadable; 2 missing in the portal");
            assertThat(found(engine)).containsExactlyInAnyOrder(row(midnight, "missing-in-portal", null), row(lateEvening, "missing-in-portal", null));
            assertThat(latestRun(engine)).containsEntry("window_start", "2026-11-01T04:00:00Z").containsEntry("window_end", "2026-11-02T05:00:00Z");
        }
    }

    @Test
    void fieldsThatAreNotRealTimeWaitForTheNightlyRunWhichAppliesThem() throws Exception {
        long seed = 10355;
        List<String> patients = EHR.seedPatientsOneByOne(3, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        Map<String, String> settings = settings("h2", seed);
        settings.put(PortalSyncSettings.APPOINTMENTS_REALTIME_FIELDS, "status,start,end,cancellation-reason");
        Sandbox ehr = new Sandbox(seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            Made noted = ehr.book(patients.get(0), "2026-10-21T09:00:00-04:00", true);
            Made arrives = ehr.book(patients.get(1), "2026-10-22T09:00:00-04:00", false);
            Made january = ehr.book(patients.get(2), "2027-01-12T09:00:00-05:00", true);
            engine.pollAppointments();

            ehr.edit(noted.id(), a -> a.setComment("Fasting from midnight"));
            ehr.edit(arrives.id(), a -> a.setStatus(Appointment.AppointmentStatus.ARRIVED));
            ehr.edit(january.id(), a -> {
                a.setComment("Bring your glucose log");
                a.getStartElement().setValueAsString("2027-01-12T09:30:00-05:00");
            });
            assertThat(engine.pollAppointments()).contains("0 new, 2 updated");

            assertThat(appointment(engine, noted.id())).containsEntry("notes", "Bring your insurance card.").containsEntry("deferred_fields", "notes");
            assertThat(appointment(engine, arrives.id())).containsEntry("status", "arrived").containsEntry("deferred_fields", null);
            assertThat(appointment(engine, january.id())).containsEntry("notes", "Bring your insurance card.")
                    .containsEntry("start_at", utc("2027-01-12T14:30:00Z")).containsEntry("deferred_fields", "notes");

            // a later change of a deferred field only; one that a webhook brings (the refresh by id); a brand-new appointment
            ehr.edit(noted.id(), a -> a.getReasonCodeFirstRep().setText("Follow-up encounter"));
            ehr.edit(arrives.id(), a -> a.setComment("Fasting from midnight"));
            engine.request("direct:fhir-appointment-refresh", arrives.id());
            assertThat(appointment(engine, arrives.id())).containsEntry("notes", "Bring your insurance card.").containsEntry("deferred_fields", "notes");
            Made added = ehr.book(patients.get(2), "2026-10-23T09:00:00-04:00", true);
            engine.pollAppointments();
            assertThat(appointment(engine, noted.id())).containsEntry("notes", "Bring your insurance card.").containsEntry("reason_text", "Check up")
                    .containsEntry("deferred_fields", "notes,reason");
            assertThat(appointment(engine, added.id())).as("a new appointment is stored in full").containsEntry("notes", "Bring your insurance card.");

            String report = run(engine, false);

            assertThat(report).contains("0 missing in the portal, 0 missing at the EHR, 0 fields differ, 0 patients differ; 0 repaired, "
                    + "4 deferred fields applied");
            assertThat(engine.rows("SELECT appointment_source_id AS id, kind, field FROM reconciliation_discrepancy WHERE run_id = ?", latestRunId(engine))
                    .stream().map(AppointmentReconciliationIT::row).toList()).containsExactlyInAnyOrder(row(noted, "deferred-applied", "notes"),
                    row(noted, "deferred-applied", "reason"), row(january, "deferred-applied", "notes"), row(arrives, "deferred-applied", "notes"));
            assertThat(appointment(engine, noted.id())).containsEntry("notes", "Fasting from midnight").containsEntry("reason_text", "Follow-up encounter")
                    .containsEntry("deferred_fields", null);
            assertThat(appointment(engine, january.id())).as("applied wherever its day is").containsEntry("notes", "Bring your glucose log")
                    .containsEntry("deferred_fields", null);
            assertThat(run(engine, false)).contains("0 fields differ, 0 patients differ; 0 repaired, 0 deferred fields applied");
        }
    }

    private static Map<String, Object> appointment(TestEngine engine, String id) throws Exception {
        return engine.rows("SELECT status, notes, reason_text, start_at, deferred_fields FROM portal_appointment WHERE source_id = ?", id).get(0);
    }

    private static String run(TestEngine engine, boolean repair) throws Exception {
        return engine.request("direct:appointment-reconciliation-run", null, Map.of(StartAppointmentReconciliation.DAY, FIRST_DAY,
                StartAppointmentReconciliation.REPAIR, repair)).toString();
    }

    private static long latestRunId(TestEngine engine) throws Exception {
        return engine.count("SELECT MAX(id) FROM reconciliation_run");
    }

    private static Map<String, Object> latestRun(TestEngine engine) throws Exception {
        Map<String, Object> run = new HashMap<>(engine.rows("SELECT * FROM reconciliation_run WHERE id = ?", latestRunId(engine)).get(0));
        run.replaceAll((column, value) -> value instanceof OffsetDateTime time ? time.toInstant().toString() : value);
        return run;
    }

    /** The latest run's discrepancies (not the deferred fields it applied), as rows of {@link #row}. */
    private static List<String> found(TestEngine engine) throws Exception {
        return engine.rows("SELECT appointment_source_id AS id, kind, field FROM reconciliation_discrepancy WHERE run_id = ?"
                + " AND kind <> 'deferred-applied'", latestRunId(engine)).stream().map(AppointmentReconciliationIT::row).toList();
    }

    private static String row(Made appointment, String kind, String field) {
        return appointment.id() + " " + kind + " " + field;
    }

    private static String row(Map<String, Object> row) {
        return row.get("id") + " " + row.get("kind") + " " + row.get("field");
    }

    private static OffsetDateTime utc(String instant) {
        return Instant.parse(instant).atOffset(ZoneOffset.UTC);
    }

    private static String mark(TestEngine engine) throws Exception {
        return String.valueOf(engine.rows("SELECT high_water_mark FROM sync_high_water_mark WHERE feed = 'Appointment'"));
    }

    /** The portal loses its row of the appointment, as a botched restore or a manual clean-up would. */
    private static void delete(TestEngine engine, String appointmentId) throws Exception {
        try (var connection = engine.database().getConnection();
                var delete = connection.prepareStatement("DELETE FROM portal_appointment WHERE source_id = ?")) {
            delete.setString(1, appointmentId);
            assertThat(delete.executeUpdate()).isEqualTo(1);
        }
    }

    /** The patient cancels in the portal; the cancellation has not reached the EHR (the field's provenance says the portal set it). */
    private static void cancelInPortal(TestEngine engine, String appointmentId) throws Exception {
        ObjectNode provenance = (ObjectNode) JSON.readTree((String) engine.rows("SELECT field_provenance FROM portal_appointment WHERE source_id = ?",
                appointmentId).get(0).get("field_provenance"));
        ((ObjectNode) provenance.get("status")).put("setBy", "PORTAL").put("setAt", Instant.now().toString()).putNull("sourceVersion");
        try (var connection = engine.database().getConnection();
                var update = connection.prepareStatement("UPDATE portal_appointment SET status = 'cancelled', field_provenance = ? WHERE source_id = ?")) {
            update.setString(1, JSON.writeValueAsString(provenance));
            update.setString(2, appointmentId);
            assertThat(update.executeUpdate()).isEqualTo(1);
        }
    }

    /** The practice at the sandbox EHR: one practitioner, one location, appointments booked and edited by staff. */
    private static final class Sandbox {
        private final long seed;
        private final String practitioner;
        private final String location;

        Sandbox(long seed) {
            this.seed = seed;
            Practitioner doctor = new Practitioner();
            doctor.addName().setFamily("Okafor").addGiven("Adaeze").addPrefix("Dr.");
            doctor.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
            practitioner = EHR.adminClient().create().resource(doctor).execute().getId().toUnqualifiedVersionless().getValue();
            Location clinic = new Location().setName("Main Street Clinic");
            clinic.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
            location = EHR.adminClient().create().resource(clinic).execute().getId().toUnqualifiedVersionless().getValue();
        }

        /**
         * A booked 30-minute appointment of this patient (its first participant), with reason and note.
         *
         * @param start       as the EHR's text: with an offset, or a local time without one
         * @param doctorNamed true: the practitioner named by display; false: only by reference, named by the included Practitioner
         */
        Made book(String patientId, String start, boolean doctorNamed) {
            Appointment appointment = new Appointment().setStatus(Appointment.AppointmentStatus.BOOKED);
            appointment.getStartElement().setValueAsString(start);
            appointment.getEndElement().setValueAsString(start.length() > 19
                    ? OffsetDateTime.parse(start).plusMinutes(30).format(WITH_OFFSET)
                    : java.time.LocalDateTime.parse(start).plusMinutes(30) + ":00");
            appointment.addParticipant().setActor(new Reference("Patient/" + patientId)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
            Reference doctor = new Reference(practitioner);
            if (doctorNamed) {
                doctor.setDisplay("Dr. Adaeze Okafor");
            }
            appointment.addParticipant().setActor(doctor).setStatus(Appointment.ParticipationStatus.ACCEPTED);
            appointment.addParticipant().setActor(new Reference(location)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
            appointment.addReasonCode().setText("Check up");
            appointment.setComment("Bring your insurance card.");
            appointment.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
            return new Made(EHR.adminClient().create().resource(appointment).execute().getId().getIdPart(), patientId);
        }

        void edit(String id, java.util.function.Consumer<Appointment> change) {
            Appointment appointment = EHR.adminClient().read().resource(Appointment.class).withId(id).execute();
            change.accept(appointment);
            EHR.adminClient().update().resource(appointment).execute();
        }
    }
}
