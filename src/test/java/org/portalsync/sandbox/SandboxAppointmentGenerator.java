package org.portalsync.sandbox;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;

/**
 * Deterministic R4 Appointments of the kind a US practice's EHR keeps, in America/New_York
 * ({@link #ZONE}), with the practitioners and locations they name: visits between March and November 2026 (so
 * across both daylight-saving transitions), most with an offset, some as local times without one (as some servers
 * send them), participants named by display or only by reference (the poll's {@code _include} names them). Besides
 * the ordinary {@link Kind#BOOKED} ones, {@link SandboxEhr#seedAppointments} adds one record of each known bad or
 * special kind. The same seed yields the same resources. Names are made up.
 */
public final class SandboxAppointmentGenerator {

    /** The zone the generated practice's times are written in; the engine under test declares the same. */
    public static final ZoneId ZONE = ZoneId.of("America/New_York");
    /** The spring-forward gap of 2026 in {@link #ZONE}: this local time does not exist. */
    public static final String DST_GAP_LOCAL_TIME = "2026-03-08T02:30:00";

    /** What an appointment is, and so what the portal must make of it. */
    public enum Kind {
        /** An ordinary appointment of a patient of the poll's scope: booked, arrived, fulfilled or noshow. */
        BOOKED,
        /** Cancelled by the practice, with a reason: stays visible as cancelled. */
        CANCELLED,
        /** Entered in error: out of the patient's view, kept in history. */
        ENTERED_IN_ERROR,
        /** For a patient outside the patient poll's search (another site's tag): the engine fetches that patient first. */
        PATIENT_NOT_IN_SCOPE,
        /** No Patient participant at all: rejected with a data-quality row. */
        NO_PATIENT,
        /** A start without offset in the spring-forward gap: rejected with a data-quality row, never guessed. */
        DST_GAP_LOCAL_TIME
    }

    private static final String[][] PRACTITIONERS = {{"Adaeze", "Okafor"}, {"Henrik", "Lindqvist"}, {"Maria", "Delgado"}};
    private static final String[] LOCATIONS = {"Main Street Clinic", "Riverside Family Practice"};
    private static final String LOCATION_SYSTEM = "urn:portal-sync:sandbox:site";
    private static final String[][] REASONS = {{"185349003", "Encounter for check up"}, {"390906007", "Follow-up encounter"},
        {"11429006", "Consultation"}, {"410620009", "Well child visit"}};
    private static final String[] NOTES = {"Bring your insurance card.", "Fasting required from midnight.", null, null,
        "Arrive 15 minutes early for paperwork."};

    private static final DateTimeFormatter WITH_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

    private final Random random;

    public SandboxAppointmentGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** The practice's practitioners, to be created before the appointments that name them. */
    public List<Practitioner> practitioners() {
        return java.util.Arrays.stream(PRACTITIONERS).map(name -> {
            Practitioner practitioner = new Practitioner();
            practitioner.addName().setFamily(name[1]).addGiven(name[0]).addPrefix("Dr.");
            return practitioner;
        }).toList();
    }

    /** The practice's locations, each with an identifier ({@code urn:portal-sync:sandbox:site|site-<n>}). */
    public List<Location> locations() {
        List<Location> locations = new java.util.ArrayList<>();
        for (int i = 0; i < LOCATIONS.length; i++) {
            Location location = new Location().setName(LOCATIONS[i]);
            location.addIdentifier().setSystem(LOCATION_SYSTEM).setValue("site-" + (i + 1));
            locations.add(location);
        }
        return locations;
    }

    /**
     * The next appointment of this kind.
     *
     * @param patientId     the patient, ignored for {@link Kind#NO_PATIENT}
     * @param practitioners the ids of {@link #practitioners()} as the EHR stored them, in that order
     * @param locations     the ids of {@link #locations()} as the EHR stored them, in that order
     */
    public Appointment next(Kind kind, String patientId, List<String> practitioners, List<String> locations) {
        Appointment appointment = new Appointment();
        LocalDate day = LocalDate.of(2026, 3, 1).plusDays(random.nextInt(275));
        LocalDateTime start = LocalDateTime.of(day, LocalTime.of(8 + random.nextInt(9), 15 * random.nextInt(4)));
        int minutes = random.nextBoolean() ? 30 : 15;
        if (kind == Kind.DST_GAP_LOCAL_TIME) {
            appointment.getStartElement().setValueAsString(DST_GAP_LOCAL_TIME);
            appointment.getEndElement().setValueAsString("2026-03-08T03:00:00-04:00");
        } else if (random.nextInt(5) == 0) {
            // some servers send local times without an offset; the facility's zone reads them
            appointment.getStartElement().setValueAsString(start + ":00");
            appointment.getEndElement().setValueAsString(start.plusMinutes(minutes) + ":00");
        } else {
            appointment.getStartElement().setValueAsString(start.atZone(ZONE).format(WITH_OFFSET));
            appointment.getEndElement().setValueAsString(start.plusMinutes(minutes).atZone(ZONE).format(WITH_OFFSET));
        }
        appointment.setMinutesDuration(minutes);
        String[] reason = REASONS[random.nextInt(REASONS.length)];
        appointment.addReasonCode(new CodeableConcept(new Coding("http://snomed.info/sct", reason[0], reason[1])).setText(reason[1]));
        String note = NOTES[random.nextInt(NOTES.length)];
        if (note != null) {
            appointment.setComment(note);
        }
        int status = random.nextInt(20);
        appointment.setStatus(switch (kind) {
            case CANCELLED -> Appointment.AppointmentStatus.CANCELLED;
            case ENTERED_IN_ERROR -> Appointment.AppointmentStatus.ENTEREDINERROR;
            default -> status < 15 ? Appointment.AppointmentStatus.BOOKED : status < 17 ? Appointment.AppointmentStatus.ARRIVED
                    : status < 19 ? Appointment.AppointmentStatus.FULFILLED : Appointment.AppointmentStatus.NOSHOW;
        });
        if (kind == Kind.CANCELLED) {
            appointment.setCancelationReason(new CodeableConcept(new Coding(
                    "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason", "prov", "Provider")).setText("Provider unavailable"));
        }
        if (kind != Kind.NO_PATIENT) {
            appointment.addParticipant().setActor(new Reference("Patient/" + patientId))
                    .setStatus(Appointment.ParticipationStatus.ACCEPTED);
        }
        // half name the practitioner by display; the others only by reference, for the poll's _include to name
        int p = random.nextInt(practitioners.size());
        Reference doctor = new Reference("Practitioner/" + practitioners.get(p));
        if (random.nextBoolean()) {
            doctor.setDisplay(displayName(p));
        }
        appointment.addParticipant().setActor(doctor).setStatus(Appointment.ParticipationStatus.ACCEPTED);
        appointment.addParticipant().setActor(new Reference("Location/" + locations.get(random.nextInt(locations.size()))))
                .setStatus(Appointment.ParticipationStatus.ACCEPTED);
        return appointment;
    }

    /** The name the portal shows for the n-th of {@link #practitioners()}. */
    public static String displayName(int practitioner) {
        return "Dr. " + PRACTITIONERS[practitioner][0] + " " + PRACTITIONERS[practitioner][1];
    }

    /** The name of the n-th of {@link #locations()}. */
    public static String locationName(int location) {
        return LOCATIONS[location];
    }
}
