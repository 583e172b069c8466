package org.portalsync.writeback;

import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * A practice at the real sandbox EHR for the appointment write-back tests: a practitioner, a location, appointments and
 * free slots, each written over HAPI's own client and tagged with the test's seed (so only that test's poll sees them).
 */
public final class AppointmentFixtures {

    public static final String DOCTOR = "Dr. Imani Achebe";
    public static final String CLINIC = "Harbour View Clinic";

    /** The practitioner and location appointments and schedules name. */
    public record Practice(String practitionerId, String locationId) {
    }

    private final SandboxEhr ehr;
    private final long seed;

    public AppointmentFixtures(SandboxEhr ehr, long seed) {
        this.ehr = ehr;
        this.seed = seed;
    }

    private <T extends Resource> String create(T resource) {
        resource.getMeta().addTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null);
        return ehr.adminClient().create().resource(resource).execute().getId().getIdPart();
    }

    public Practice practice(String clinic) {
        Practitioner doctor = new Practitioner();
        doctor.addName().setFamily("Achebe").addGiven("Imani").addPrefix("Dr.");
        return new Practice(create(doctor), create(new Location().setName(clinic)));
    }

    /** A booked appointment of the patient, its times written as the EHR's staff typed them (with their offset). */
    public String appointment(Practice practice, String patientId, String start, String end) {
        Appointment appointment = new Appointment();
        appointment.setStatus(Appointment.AppointmentStatus.BOOKED);
        appointment.getStartElement().setValueAsString(start);
        appointment.getEndElement().setValueAsString(end);
        appointment.addParticipant().setActor(new Reference("Patient/" + patientId)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
        appointment.addParticipant().setActor(new Reference("Practitioner/" + practice.practitionerId()).setDisplay(DOCTOR))
                .setStatus(Appointment.ParticipationStatus.ACCEPTED);
        appointment.addParticipant().setActor(new Reference("Location/" + practice.locationId()))
                .setStatus(Appointment.ParticipationStatus.ACCEPTED);
        return create(appointment);
    }

    /** A schedule of the practitioner at the location. */
    public String schedule(Practice practice) {
        Schedule schedule = new Schedule();
        schedule.addActor(new Reference("Practitioner/" + practice.practitionerId()).setDisplay(DOCTOR));
        schedule.addActor(new Reference("Location/" + practice.locationId()));
        return create(schedule);
    }

    public String freeSlot(String scheduleId, String start, String end) {
        Slot slot = new Slot().setSchedule(new Reference("Schedule/" + scheduleId)).setStatus(Slot.SlotStatus.FREE);
        slot.getStartElement().setValueAsString(start);
        slot.getEndElement().setValueAsString(end);
        return create(slot);
    }

    public Appointment read(String appointmentId) {
        return ehr.adminClient().read().resource(Appointment.class).withId(appointmentId).execute();
    }

    public Slot slot(String slotId) {
        return ehr.adminClient().read().resource(Slot.class).withId(slotId).execute();
    }

    /** The front desk edits an appointment as an EHR's screen does: read, edit, update with If-Match; on a conflict, read again. */
    public Appointment staffEdit(String appointmentId, java.util.function.Consumer<Appointment> edit) {
        while (true) {
            Appointment appointment = read(appointmentId);
            edit.accept(appointment);
            try {
                var outcome = ehr.adminClient().update().resource(appointment).execute();
                return ehr.adminClient().vread(Appointment.class, outcome.getId().getIdPart(), outcome.getId().getVersionIdPart());
            } catch (ResourceVersionConflictException | PreconditionFailedException conflict) {
                // the engine wrote it meanwhile
            }
        }
    }

    /** The Appointments at the EHR with this seed's tag: how many exist, whatever the engine did. */
    public List<Appointment> appointmentsAtEhr() {
        List<Appointment> all = new ArrayList<>();
        var bundle = ehr.adminClient().search().forResource(Appointment.class)
                .withTag(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed).count(200)
                .cacheControl(new ca.uhn.fhir.rest.api.CacheControlDirective().setNoCache(true))
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class).execute();
        while (true) {
            bundle.getEntry().forEach(e -> all.add((Appointment) e.getResource()));
            if (bundle.getLink("next") == null) {
                return all;
            }
            bundle = ehr.adminClient().loadPage().next(bundle).execute();
        }
    }

    /** The Appointments at the EHR the engine booked for this portal change (by the booking's key, the conditional create's). */
    public List<Appointment> bookedFor(TestEngine engine, long changeId) throws Exception {
        String values = (String) engine.rows("SELECT field_values FROM portal_change WHERE id = ?", changeId).get(0).get("field_values");
        String key = AppointmentChange.fromJson(changeId, values).bookingKey();
        var bundle = ehr.adminClient().search().forResource(Appointment.class)
                .where(Appointment.IDENTIFIER.exactly().systemAndCode(AppointmentWriteBack.BOOKING_SYSTEM, key))
                // a search repeated within the sandbox's reuse window would be answered from its cache
                .cacheControl(new ca.uhn.fhir.rest.api.CacheControlDirective().setNoCache(true))
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class).execute();
        return bundle.getEntry().stream().map(e -> (Appointment) e.getResource()).toList();
    }

    /** Submits an appointment change the way a portal that writes the outbox itself does (no API checks). */
    public static long submit(TestEngine engine, String appointmentSourceId, String key, String initiatedBy, AppointmentChange change,
            Instant submittedAt) throws Exception {
        Map<String, Object> row = engine.rows("SELECT id, patient_id FROM portal_appointment WHERE source_id = ?", appointmentSourceId).get(0);
        try (var connection = engine.database().getConnection();
                var insert = connection.prepareStatement("INSERT INTO portal_change (client_id, change_key, request_hash, patient_id,"
                        + " initiated_by, field_values, submitted_at, status, next_attempt_at, updated_at, appointment_id, appointment_action)"
                        + " VALUES ('portal', ?, '-', ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, key);
            insert.setLong(2, ((Number) row.get("patient_id")).longValue());
            insert.setString(3, initiatedBy);
            insert.setString(4, change.toJson());
            insert.setObject(5, PortalDatabase.utc(submittedAt));
            insert.setObject(6, PortalDatabase.utc(Instant.now()));
            insert.setObject(7, PortalDatabase.utc(Instant.now()));
            insert.setLong(8, ((Number) row.get("id")).longValue());
            insert.setString(9, change.action().configName());
            insert.executeUpdate();
            try (var keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }
}
