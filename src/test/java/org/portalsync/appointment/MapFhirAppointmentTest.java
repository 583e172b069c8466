package org.portalsync.appointment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.TimeZone;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portalsync.sync.MalformedResourceException;

/**
 * Appointment times across the 2026 daylight-saving transitions of America/New_York (8 March, 1 November) and
 * Europe/Berlin (29 March, 25 October): instants with an offset are kept as sent, local times are read in the
 * facility's zone, and a local time that zone skips or repeats rejects the appointment naming the field.
 */
class MapFhirAppointmentTest {

    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    /** The source is in New York; its Berlin clinic is declared by id, its Chicago one by identifier. */
    private static final FacilityZones ZONES = new FacilityZones(NEW_YORK,
            FacilityZones.parse("Location/berlin=Europe/Berlin, urn:example:site|chicago=America/Chicago"));
    private static final MapFhirAppointment MAPPER = new MapFhirAppointment("http://ehr.example.org/fhir", ZONES);

    private static Appointment appointment(String start, String end, String location) {
        String json = "{\"resourceType\":\"Appointment\",\"id\":\"a1\",\"meta\":{\"versionId\":\"3\",\"lastUpdated\":\"2026-02-01T10:00:00Z\"},"
                + "\"status\":\"booked\"" + (start == null ? "" : ",\"start\":\"" + start + "\"") + (end == null ? "" : ",\"end\":\"" + end + "\"")
                + ",\"participant\":[{\"actor\":{\"reference\":\"Patient/p1\"},\"status\":\"accepted\"}"
                + (location == null ? "" : ",{\"actor\":{\"reference\":\"" + location + "\"},\"status\":\"accepted\"}") + "]}";
        return FhirContext.forR4Cached().newJsonParser().parseResource(Appointment.class, json);
    }

    @Test
    void anInstantWithAnOffsetIsKeptAsSentWithTheFacilityZoneBeside() {
        MappedAppointment mapped = MAPPER.map(appointment("2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00", null));
        assertThat(mapped.details().start()).isEqualTo(Instant.parse("2026-03-08T06:30:00Z"));
        assertThat(mapped.details().end()).isEqualTo(Instant.parse("2026-03-08T07:30:00Z"));
        assertThat(Duration.between(mapped.details().start(), mapped.details().end())).as("one hour across spring-forward").hasHours(1);
        assertThat(mapped.details().zone()).isEqualTo("America/New_York");
        assertThat(mapped.patientId()).isEqualTo("p1");
        assertThat(mapped.versionId()).isEqualTo("3");
    }

    @Test
    void aLocalTimeIsReadInTheFacilityZoneWhateverTheJvmZone() {
        TimeZone jvm = TimeZone.getDefault();
        try {
            // HAPI's InstantType would read a time without offset in this zone
            TimeZone.setDefault(TimeZone.getTimeZone("Asia/Tokyo"));
            MappedAppointment mapped = MAPPER.map(appointment("2026-03-08T03:00:00", "2026-11-01T02:00:00", null));
            assertThat(mapped.details().start()).as("the first minute of EDT").isEqualTo(Instant.parse("2026-03-08T07:00:00Z"));
            assertThat(mapped.details().end()).as("the first minute after the repeated hour").isEqualTo(Instant.parse("2026-11-01T07:00:00Z"));
        } finally {
            TimeZone.setDefault(jvm);
        }
    }

    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({
        "2026-03-08T02:30:00, , does not exist in America/New_York",
        "2026-11-01T01:30:00, , occurs twice in America/New_York",
        "2026-03-29T02:30:00, Location/berlin, does not exist in Europe/Berlin",
        "2026-10-25T02:30:00, Location/berlin, occurs twice in Europe/Berlin"})
    void aLocalTimeTheZoneSkipsOrRepeatsRejectsTheAppointmentNamingTheField(String local, String location, String problem) {
        assertThatThrownBy(() -> MAPPER.map(appointment(local, null, location)))
                .isInstanceOf(MalformedResourceException.class)
                .satisfies(e -> {
                    MalformedResourceException malformed = (MalformedResourceException) e;
                    assertThat(malformed.record()).isEqualTo("Appointment/a1");
                    assertThat(malformed.field()).isEqualTo("Appointment.start");
                    assertThat(malformed.problem()).contains(problem).doesNotContain(local).doesNotContain(local.replace(":00", ""));
                });
        assertThatThrownBy(() -> MAPPER.map(appointment("2026-06-01T09:00:00Z", local, location)))
                .isInstanceOf(MalformedResourceException.class)
                .satisfies(e -> assertThat(((MalformedResourceException) e).field()).isEqualTo("Appointment.end"));
    }

    @Test
    void anOffsetDisambiguatesTheRepeatedHour() {
        Instant first = MAPPER.map(appointment("2026-11-01T01:30:00-04:00", null, null)).details().start();
        Instant second = MAPPER.map(appointment("2026-11-01T01:30:00-05:00", null, null)).details().start();
        assertThat(Duration.between(first, second)).hasHours(1);
        Instant berlinFirst = MAPPER.map(appointment("2026-10-25T02:30:00+02:00", null, "Location/berlin")).details().start();
        assertThat(berlinFirst).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
    }

    @Test
    void aLocationsDeclaredZoneIsKeptAndReadsItsLocalTimes() {
        MappedAppointment berlin = MAPPER.map(appointment("2026-03-29T03:30:00", null, "Location/berlin"));
        assertThat(berlin.details().zone()).isEqualTo("Europe/Berlin");
        assertThat(berlin.details().start()).as("CEST, +02:00").isEqualTo(Instant.parse("2026-03-29T01:30:00Z"));

        Location chicago = new Location();
        chicago.setId("Location/c9");
        chicago.setName("Lakeshore Clinic");
        chicago.addIdentifier().setSystem("urn:example:site").setValue("chicago");
        Map<String, IBaseResource> included = Map.of("Location/c9", chicago);
        MappedAppointment byIdentifier = MAPPER.map(appointment("2026-03-08T01:30:00", null, "Location/c9"), included);
        assertThat(byIdentifier.details().zone()).as("declared by identifier").isEqualTo("America/Chicago");
        assertThat(byIdentifier.details().start()).as("CST, -06:00").isEqualTo(Instant.parse("2026-03-08T07:30:00Z"));
        assertThat(byIdentifier.details().location().display()).isEqualTo("Lakeshore Clinic");
    }

    @Test
    void participantsAreNamedByTheirDisplayElseByTheIncludedResource() {
        Appointment appointment = appointment("2026-05-04T09:00:00-04:00", "2026-05-04T09:30:00-04:00", "Location/l1");
        appointment.addParticipant().getActor().setReference("Practitioner/d1");
        Practitioner doctor = new Practitioner();
        doctor.addName().setFamily("Okafor").addGiven("Adaeze").addPrefix("Dr.");
        Location clinic = new Location().setName("Main Street Clinic");
        MappedAppointment mapped = MAPPER.map(appointment, Map.of("Practitioner/d1", doctor, "Location/l1", clinic));
        assertThat(mapped.details().provider()).isEqualTo(new AppointmentDetails.Participant("Practitioner/d1", "Dr. Adaeze Okafor"));
        assertThat(mapped.details().location()).isEqualTo(new AppointmentDetails.Participant("Location/l1", "Main Street Clinic"));
        assertThat(mapped.problems()).isEmpty();

        MappedAppointment unnamed = MAPPER.map(appointment);
        assertThat(unnamed.problems()).extracting(p -> p.field())
                .containsExactlyInAnyOrder("Appointment.participant (Practitioner)", "Appointment.participant (Location)");
    }

    @Test
    void anAppointmentWithoutAPatientCannotBeMapped() {
        Appointment appointment = appointment("2026-05-04T09:00:00-04:00", null, "Location/l1");
        appointment.getParticipant().remove(0);
        assertThatThrownBy(() -> MAPPER.map(appointment)).isInstanceOf(MalformedResourceException.class)
                .hasMessageContaining("Appointment.participant").hasMessageContaining("no Patient participant");
    }

    @Test
    void aLocationZoneMustBeAnIanaRegion() {
        assertThatThrownBy(() -> FacilityZones.parse("Location/1=+01:00")).hasMessageContaining("not an IANA zone id");
        assertThatThrownBy(() -> FacilityZones.parse("Location/1=Mars/Olympus")).hasMessageContaining("not an IANA zone id");
        assertThatThrownBy(() -> FacilityZones.parse("clinic=Europe/Berlin")).hasMessageContaining("is not Location/<id>=<zone>");
        assertThat(FacilityZones.parse(" Location/1 = Europe/Berlin ,urn:x|y=UTC")).containsEntry("Location/1", BERLIN).hasSize(2);
    }
}
