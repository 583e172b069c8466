package org.portalsync.appointment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxAppointmentGenerator;
import org.portalsync.sandbox.SandboxAppointmentGenerator.Kind;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxEhr.SeededAppointment;
import org.portalsync.sandbox.SandboxEhr.SeededSchedule;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.TestEngine;

/**
 * Appointments from the EHR: the real engine polls the sandbox EHR's Appointments (with their practitioners and
 * locations by _include) into portal_appointment, each under its patient (fetching one the portal does not know),
 * then staff edit, reschedule, cancel and delete at the EHR; on H2 and on PostgreSQL. Expected numbers come from the
 * generator's plan ({@link SandboxEhr#seedAppointments}), never from the engine's tables.
 */
class AppointmentSyncIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static Map<String, String> settings(String fhirBaseUrl, String database, long seed) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, fhirBaseUrl, database, seed));
        settings.put(PortalSyncSettings.FHIR_ZONE, SandboxAppointmentGenerator.ZONE.getId());
        return settings;
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** The instant the EHR's text means: with its offset, else in the practice's zone (the generator never writes a gap time here). */
    private static Instant expectedStart(String appointmentId) {
        String text = EHR.adminClient().read().resource(Appointment.class).withId(appointmentId).execute().getStartElement().getValueAsString();
        return text.length() > 19 ? OffsetDateTime.parse(text).toInstant()
                : LocalDateTime.parse(text).atZone(SandboxAppointmentGenerator.ZONE).toInstant();
    }

    @ParameterizedTest
    @CsvSource({"h2, 10101", "postgresql, 10102"})
    void everyAppointmentReachesItsPatientThenStaffEditsReschedulesCancelsAndDeletesFollow(String database, long seed) throws Exception {
        List<String> patients = EHR.seedPatientsOneByOne(6, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        try (TestEngine engine = TestEngine.start(settings(EHR.fhirBaseUrl(), database, seed))) {
            engine.poll();
            SeededSchedule schedule = EHR.seedAppointments(patients, seed);
            List<SeededAppointment> stored = schedule.appointments().stream()
                    .filter(a -> a.kind() != Kind.NO_PATIENT && a.kind() != Kind.DST_GAP_LOCAL_TIME).toList();

            String summary = engine.pollAppointments();

            assertThat(summary).startsWith("Synced " + stored.size() + " Appointment resources")
                    .contains(stored.size() + " new, 0 updated, 0 archived").contains("2 rejected, 0 dead-lettered");
            Map<String, String> patientOf = new HashMap<>();
            engine.rows("SELECT a.source_id AS appointment, p.source_id AS patient FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id")
                    .forEach(row -> patientOf.put((String) row.get("appointment"), (String) row.get("patient")));
            Map<String, String> expected = new HashMap<>();
            stored.forEach(a -> expected.put(a.id(), a.patientId()));
            assertThat(patientOf).as("each appointment under its own patient").isEqualTo(expected);
            String outside = schedule.ofKind(Kind.PATIENT_NOT_IN_SCOPE).get(0).patientId();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ?", outside))
                    .as("the patient the portal did not know is fetched first, not dropped").isEqualTo(1);

            SeededAppointment noPatient = schedule.ofKind(Kind.NO_PATIENT).get(0);
            SeededAppointment gap = schedule.ofKind(Kind.DST_GAP_LOCAL_TIME).get(0);
            assertThat(engine.rows("SELECT record_ref, field FROM data_quality_issue WHERE record_ref IN (?, ?) ORDER BY field",
                    "Appointment/" + noPatient.id(), "Appointment/" + gap.id()))
                    .containsExactly(Map.of("record_ref", "Appointment/" + noPatient.id(), "field", "Appointment.participant"),
                            Map.of("record_ref", "Appointment/" + gap.id(), "field", "Appointment.start"));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id IN (?, ?)", noPatient.id(), gap.id()))
                    .as("never stored with a dangling patient or a guessed time").isZero();

            SeededAppointment cancelled = schedule.ofKind(Kind.CANCELLED).get(0);
            assertThat(engine.rows("SELECT status, cancellation_reason, deleted_at FROM portal_appointment WHERE source_id = ?", cancelled.id()).get(0))
                    .containsEntry("status", "cancelled").containsEntry("cancellation_reason", "Provider unavailable").containsEntry("deleted_at", null);
            SeededAppointment inError = schedule.ofKind(Kind.ENTERED_IN_ERROR).get(0);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND deleted_at IS NOT NULL", inError.id()))
                    .as("entered in error: out of the patient's view, kept").isEqualTo(1);

            for (SeededAppointment appointment : stored) {
                assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND start_at = ? AND zone = ?",
                        appointment.id(), utc(expectedStart(appointment.id())), "America/New_York")).as(appointment.toString()).isEqualTo(1);
            }
            List<String> doctors = List.of(SandboxAppointmentGenerator.displayName(0), SandboxAppointmentGenerator.displayName(1),
                    SandboxAppointmentGenerator.displayName(2));
            assertThat(engine.rows("SELECT provider_name, location_name FROM portal_appointment")).allSatisfy(row -> {
                assertThat(doctors).as("named by display or by the included Practitioner").contains((String) row.get("provider_name"));
                assertThat(List.of(SandboxAppointmentGenerator.locationName(0), SandboxAppointmentGenerator.locationName(1)))
                        .contains((String) row.get("location_name"));
            });
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Appointment.search' AND result = 'success'")).isPositive();

            // staff at the EHR: a note, a reschedule into the repeated hour of 1 November, a cancellation, a no-show, a deletion
            List<SeededAppointment> booked = schedule.ofKind(Kind.BOOKED);
            Appointment noted = read(booked.get(0).id());
            noted.setComment("Please bring your glucose log");
            EHR.adminClient().update().resource(noted).execute();
            Appointment moved = read(booked.get(1).id());
            moved.getStartElement().setValueAsString("2026-11-01T01:30:00-05:00");
            moved.getEndElement().setValueAsString("2026-11-01T02:00:00-05:00");
            EHR.adminClient().update().resource(moved).execute();
            Appointment cancel = read(booked.get(2).id());
            cancel.setStatus(Appointment.AppointmentStatus.CANCELLED);
            EHR.adminClient().update().resource(cancel).execute();
            Appointment noShow = read(booked.get(3).id());
            noShow.setStatus(Appointment.AppointmentStatus.NOSHOW);
            EHR.adminClient().update().resource(noShow).execute();
            EHR.adminClient().delete().resourceById("Appointment", booked.get(4).id()).execute();

            String second = engine.pollAppointments();

            assertThat(second).contains(" 0 new, 4 updated, 1 archived");
            assertThat(engine.rows("SELECT notes, source_version FROM portal_appointment WHERE source_id = ?", booked.get(0).id()).get(0))
                    .containsEntry("notes", "Please bring your glucose log").containsEntry("source_version", "2");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND start_at = ? AND end_at = ?", booked.get(1).id(),
                    utc(Instant.parse("2026-11-01T06:30:00Z")), utc(Instant.parse("2026-11-01T07:00:00Z"))))
                    .as("the second 01:30 of 1 November, as its offset says").isEqualTo(1);
            assertThat(engine.rows("SELECT status, deleted_at FROM portal_appointment WHERE source_id = ?", booked.get(2).id()).get(0))
                    .containsEntry("status", "cancelled").containsEntry("deleted_at", null);
            assertThat(engine.rows("SELECT status FROM portal_appointment WHERE source_id = ?", booked.get(3).id()).get(0))
                    .containsEntry("status", "noshow");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE deleted_at IS NOT NULL AND source_id = ?", booked.get(4).id()))
                    .as("deleted at the EHR (its _history DELETE): out of view, kept").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isEqualTo(stored.size());

            // a late copy of the first version (a slow page, a replayed dead letter) changes nothing
            Appointment first = EHR.adminClient().read().resource(Appointment.class).withIdAndVersion(booked.get(0).id(), "1").execute();
            engine.request("direct:appointment-sync", first, Map.of(SyncHeaders.SOURCE, "ehr", SyncHeaders.RECORD, "Appointment/" + booked.get(0).id()));
            assertThat(engine.rows("SELECT notes, source_version FROM portal_appointment WHERE source_id = ?", booked.get(0).id()).get(0))
                    .as("never older over newer").containsEntry("notes", "Please bring your glucose log").containsEntry("source_version", "2");
        }
    }

    private static Appointment read(String id) {
        return EHR.adminClient().read().resource(Appointment.class).withId(id).execute();
    }

    @Test
    void anAppointmentWhosePatientTheEhrRefusesIsDeadLetteredThenSyncedOnceThePatientCanBeReadAndA410ArchivesIt() throws Exception {
        long seed = 10103;
        List<String> patients = EHR.seedPatientsOneByOne(3, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = settings(proxy.baseUrl() + "/fhir", "h2", seed);
            settings.put(PortalSyncSettings.RESYNC_INTERVAL, "1s");
            settings.put(PortalSyncSettings.RESYNC_MAX_ATTEMPTS, "20");
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.poll();
                SeededSchedule schedule = EHR.seedAppointments(patients, seed);
                SeededAppointment orphan = schedule.ofKind(Kind.PATIENT_NOT_IN_SCOPE).get(0);
                // the EHR refuses the patient to this client (restricted, or outside its scope)
                proxy.failEvery(404, "/fhir/Patient/" + orphan.patientId());

                assertThat(engine.pollAppointments()).contains("1 dead-lettered");
                assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ?", orphan.id())).isZero();
                assertThat(engine.count("SELECT COUNT(*) FROM dead_letter WHERE record_ref = ? AND status IN ('NEW', 'NEEDS_OPERATOR')",
                        "Appointment/" + orphan.id())).isEqualTo(1);

                proxy.stopFailing();
                await(engine, "SELECT COUNT(*) FROM portal_appointment WHERE source_id = ?", orphan.id());
                await(engine, "SELECT COUNT(*) FROM dead_letter WHERE record_ref = ? AND status = 'RESOLVED'", "Appointment/" + orphan.id());
                assertThat(engine.rows("SELECT p.source_id AS patient FROM portal_appointment a JOIN portal_patient p ON p.id = a.patient_id"
                        + " WHERE a.source_id = ?", orphan.id()).get(0)).containsEntry("patient", orphan.patientId());
                assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Appointment.read' AND resource LIKE ?",
                        "%/Appointment/" + orphan.id() + "%")).as("re-read from the EHR by fhir-appointment-refresh").isPositive();

                // a refresh by id (a webhook's, an operator's) of an appointment the EHR has deleted since: 410 Gone
                EHR.adminClient().delete().resourceById("Appointment", orphan.id()).execute();
                engine.request("direct:fhir-appointment-refresh", orphan.id());
                assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND deleted_at IS NOT NULL", orphan.id()))
                        .as("410 Gone: out of the patient's view, kept").isEqualTo(1);
            }
        }
    }

    @Test
    void aLocationsOwnZoneReadsItsLocalTimesAndItsGapAndOverlapAreReportedNotGuessed() throws Exception {
        long seed = 10104;
        List<String> patients = EHR.seedPatientsOneByOne(3, seed).stream().map(SandboxEhr.SeededPatient::id).toList();
        SeededSchedule schedule = EHR.seedAppointments(patients, seed);
        String berlin = "Location/" + schedule.locationIds().get(1);
        Map<String, String> settings = settings(EHR.fhirBaseUrl(), "h2", seed);
        settings.put(PortalSyncSettings.APPOINTMENTS_LOCATION_ZONES, berlin + "=Europe/Berlin");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            String springForward = createAt(patients.get(0), berlin, "2026-03-29T03:30:00", seed);
            String gap = createAt(patients.get(0), berlin, "2026-03-29T02:30:00", seed);
            String overlap = createAt(patients.get(1), berlin, "2026-10-25T02:30:00", seed);
            String disambiguated = createAt(patients.get(1), berlin, "2026-10-25T02:30:00+01:00", seed);

            engine.pollAppointments();

            assertThat(engine.rows("SELECT zone FROM portal_appointment WHERE source_id = ?", springForward).get(0))
                    .containsEntry("zone", "Europe/Berlin");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND start_at = ?", springForward,
                    utc(Instant.parse("2026-03-29T01:30:00Z")))).as("03:30 CEST").isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ? AND start_at = ?", disambiguated,
                    utc(Instant.parse("2026-10-25T01:30:00Z")))).as("the second 02:30, CET").isEqualTo(1);
            for (String reported : List.of(gap, overlap)) {
                assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE source_id = ?", reported)).isZero();
                assertThat(engine.rows("SELECT field, problem FROM data_quality_issue WHERE record_ref = ?", "Appointment/" + reported))
                        .singleElement().satisfies(row -> {
                            assertThat(row).containsEntry("field", "Appointment.start");
                            assertThat((String) row.get("problem")).contains("Europe/Berlin").doesNotContain("02:30");
                        });
            }
            // the source's own zone still reads the other location's times: its gap is New York's
            SeededAppointment nyGap = schedule.ofKind(Kind.DST_GAP_LOCAL_TIME).get(0);
            assertThat(engine.rows("SELECT problem FROM data_quality_issue WHERE record_ref = ?", "Appointment/" + nyGap.id()))
                    .singleElement().satisfies(row -> assertThat((String) row.get("problem")).contains("America/New_York"));
        }
    }

    /** Creates a booked appointment of this patient at this location, its start as this text, for 30 minutes. */
    private static String createAt(String patientId, String location, String start, long seed) {
        Appointment appointment = new Appointment().setStatus(Appointment.AppointmentStatus.BOOKED);
        appointment.getStartElement().setValueAsString(start);
        appointment.addParticipant().setActor(new Reference("Patient/" + patientId)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
        appointment.addParticipant().setActor(new Reference(location).setDisplay("Berlin clinic")).setStatus(Appointment.ParticipationStatus.ACCEPTED);
        appointment.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
        return EHR.adminClient().create().resource(appointment).execute().getId().getIdPart();
    }

    private static void await(TestEngine engine, String sql, Object... parameters) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (engine.count(sql, parameters) == 0) {
            assertThat(System.nanoTime()).as("within 60 s: " + sql).isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
