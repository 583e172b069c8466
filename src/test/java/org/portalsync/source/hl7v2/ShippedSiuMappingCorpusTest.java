package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import ca.uhn.hl7v2.ErrorCode;
import org.hl7.fhir.r4.model.Appointment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.appointment.AppointmentDetails;
import org.portalsync.appointment.FacilityZones;
import org.portalsync.appointment.MapFhirAppointment;
import org.portalsync.appointment.MappedAppointment;

/**
 * The shipped {@code config/mappings/hl7v2-siu-appointment.yaml} (with the ADT mapping it names for the patient) over
 * every SIU message of the shared corpus: each becomes an Appointment the engine's appointment mapping accepts, for the
 * Patient an ADT message of the same person makes, with the values read from the file by hand below; or it is refused
 * naming the field and the problem.
 */
class ShippedSiuMappingCorpusTest {

    static final Path SHIPPED = Path.of("config/mappings/hl7v2-siu-appointment.yaml");

    /** What each message holds, read from the file: status, TQ1-7 and TQ1-8, first AIP's name, first AIL's room and facility. */
    record Maps(String status, String start, String end, String provider, String location, String cancellationReason) {
    }

    /** Why a message is refused: the field and the HL7 error code. */
    record Refused(String location, ErrorCode code, String why) {
    }

    // Every GHH sample (v2.8) is appointment 36996 (SCH-2) of patient PATID1234 (authority test1); they differ in
    // event, times (TQ1-7/8, with +0215) and resources. SCH-6 (event reason) is "Add" in all of them: what the
    // sender wrote, so it is the cancellation reason of S15 and S17.
    private static final String COLON = "Robert GE";
    private static final String ROOM_01 = "Room01, GH Clinic";
    private static final String LAB = "Tim PB";
    private static final String LAB_ROOM = "Lab Room 01, GHH Hospital";

    static final Map<String, Object> EXPECTED = Map.ofEntries(
            Map.entry("SIU_S12-1.hl7", new Maps("booked", "2021-09-24T09:30:00+02:15", "2021-09-24T10:20:00+02:15", COLON, ROOM_01, null)),
            Map.entry("SIU_S12-2.hl7", new Maps("booked", "2021-08-18T11:30:00+02:15", "2021-08-18T12:30:00+02:15", LAB, LAB_ROOM, null)),
            Map.entry("SIU_S13-1.hl7", new Maps("booked", "2021-09-24T09:30:00+02:15", "2021-09-24T10:20:00+02:15", COLON, ROOM_01, null)),
            // rescheduled from 18 to 20 August
            Map.entry("SIU_S13-2.hl7", new Maps("booked", "2021-08-20T11:30:00+02:15", "2021-08-20T12:30:00+02:15", LAB, LAB_ROOM, null)),
            // modified: another room
            Map.entry("SIU_S14-1.hl7", new Maps("booked", "2021-09-24T09:30:00+02:15", "2021-09-24T10:20:00+02:15", COLON,
                    "Room02, GH Clinic", null)),
            Map.entry("SIU_S15-1.hl7", new Maps("cancelled", "2021-09-24T09:30:00+02:15", "2021-09-24T10:20:00+02:15", COLON, ROOM_01,
                    "Add")),
            // S16 (discontinued) is not among the events the mapping takes: the listener answers AR, code 201
            Map.entry("SIU_S16-1.hl7", new Refused("MSH-9", ErrorCode.UNSUPPORTED_EVENT_CODE, "no mapping takes SIU^S16")),
            Map.entry("SIU_S17-1.hl7", new Maps("cancelled", "2021-09-24T09:30:00+02:15", "2021-09-24T10:20:00+02:15", COLON, ROOM_01,
                    "Add")),
            Map.entry("SIU_S17-2.hl7", new Maps("cancelled", "2021-08-18T11:30:00+02:15", "2021-08-18T12:30:00+02:15", LAB, LAB_ROOM,
                    "Add")),
            Map.entry("SIU_S26-1.hl7", new Maps("noshow", "2021-09-24T09:30:00+02:15", "2021-09-24T10:20:00+02:15", COLON, ROOM_01, null)),
            Map.entry("SIU_S26-2.hl7", new Maps("noshow", "2021-08-18T11:30:00+02:15", "2021-08-18T12:30:00+02:15", LAB, LAB_ROOM, null)));

    static Hl7v2Mappings shippedMappings() {
        return new Hl7v2Mappings(SHIPPED.getParent(), new MappingFileReader(MapHl7v2MessageTest.FHIR,
                key -> key.equals("portal-sync.mapping.mrn-system") ? Optional.of(MapHl7v2MessageTest.MRN_SYSTEM) : Optional.empty()),
                problem -> { }).loadAll();
    }

    static Stream<String> siuFiles() throws IOException {
        Optional<Path> dir = ShippedAdtMappingCorpusTest.corpus();
        if (dir.isEmpty()) {
            return Stream.of("<corpus folder missing>");
        }
        try (Stream<Path> files = Files.list(dir.get())) {
            return files.map(file -> file.getFileName().toString()).filter(name -> name.startsWith("SIU_")).sorted().toList().stream();
        }
    }

    static Hl7v2Message corpusMessage(String name) throws IOException {
        return new Hl7v2Reader().read(Files.readString(ShippedAdtMappingCorpusTest.corpus().get().resolve(name)));
    }

    @Test
    void everySiuFileOfTheCorpusHasAnExpectedOutcome() throws IOException {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        assertThat(siuFiles()).containsExactlyInAnyOrderElementsOf(EXPECTED.keySet());
    }

    @ParameterizedTest
    @MethodSource("siuFiles")
    void mapsOrRefusesEachAsExpected(String name) throws IOException {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        Hl7v2Message message = corpusMessage(name);
        Hl7v2Mappings mappings = shippedMappings();
        Object expected = EXPECTED.get(name);
        if (expected instanceof Refused refused) {
            assertThat(mappings.forMessage(message.type(), message.event())).as(refused.why()).isEmpty();
            assertThat(mappings.serving().stream().anyMatch(m -> m.accepts().stream().anyMatch(a -> a.type().equals("SIU"))))
                    .as("SIU is taken, its event is not: " + refused.code()).isTrue();
            return;
        }
        MappingFile mapping = mappings.forMessage(message.type(), message.event()).orElseThrow();
        assertThat(mapping.file()).endsWith("hl7v2-siu-appointment.yaml");
        MappedMessage mapped = new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(mapping, mappings.patientFor(mapping), message);
        Appointment appointment = (Appointment) mapped.resource();
        // no zone of its own configured: the portal's appointment takes the zone the mapping read its times in
        MappedAppointment portal = new MapFhirAppointment(null, new FacilityZones(ZoneId.of("UTC"), Map.of())).map(appointment);

        Maps maps = (Maps) expected;
        AppointmentDetails details = portal.details();
        assertThat(details.status()).isEqualTo(maps.status());
        assertThat(details.start()).isEqualTo(Instant.from(java.time.OffsetDateTime.parse(maps.start())));
        assertThat(details.end()).isEqualTo(Instant.from(java.time.OffsetDateTime.parse(maps.end())));
        assertThat(details.zone()).isEqualTo("America/New_York");
        assertThat(details.provider().display()).isEqualTo(maps.provider());
        assertThat(details.location().display()).isEqualTo(maps.location());
        assertThat(details.cancellationReason()).isEqualTo(maps.cancellationReason());
        assertThat(portal.problems()).as(name).isEmpty();
        assertThat(portal.patientId()).as("the Patient the message's PID made").isEqualTo(mapped.patient().getIdElement().getIdPart());
        assertThat(mapped.unmapped()).as("PID is read by the patient's mapping").doesNotContain("PID", "PID-3", "PID-5")
                .as("what the mapping ignores (and PID-1, which the patient's mapping ignores) is not listed").doesNotContain("RGS", "AIS-1", "PID-1")
                .as("the rest is").contains("NTE");
    }

    @Test
    void anSiuAndAnAdtOfOnePersonMeetInOnePatientAndEverySampleIsOneAppointment() throws IOException {
        assumeTrue(ShippedAdtMappingCorpusTest.corpus().isPresent(), "the shared corpus is not beside this checkout");
        Hl7v2Mappings mappings = shippedMappings();
        MapHl7v2Message mapper = new MapHl7v2Message(MapHl7v2MessageTest.FHIR);
        Hl7v2Message adt = corpusMessage("ADT_A01-1.hl7");
        String adtPatient = mapper.map(mappings.forMessage("ADT", "A01").orElseThrow(), adt).record();

        for (String name : EXPECTED.keySet().stream().filter(name -> EXPECTED.get(name) instanceof Maps).toList()) {
            Hl7v2Message siu = corpusMessage(name);
            MappingFile mapping = mappings.forMessage(siu.type(), siu.event()).orElseThrow();
            MappedMessage mapped = mapper.map(mapping, mappings.patientFor(mapping), siu);
            assertThat("Patient/" + mapped.patient().getIdElement().getIdPart()).as(name + ": PATID1234 of test1, as in the ADT")
                    .isEqualTo(adtPatient);
            assertThat(mapped.record()).as(name + ": filler id 36996").isEqualTo(
                    "Appointment/" + MapHl7v2Message.id(mapping, corpusMessage("SIU_S12-1.hl7"), new MapHl7v2Message.Scope(Map.of(), null, -1)));
        }
    }

    @Test
    void aLocalTimeTheZoneSkipsIsRefusedAndADurationGivesTheEnd() {
        Hl7v2Mappings mappings = shippedMappings();
        MappingFile mapping = mappings.forMessage("SIU", "S12").orElseThrow();
        MapHl7v2Message mapper = new MapHl7v2Message(MapHl7v2MessageTest.FHIR);
        String msh = "MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20260301120000||SIU^S12|CTRL-10701|P|2.5.1";
        String sch = "SCH||A-10701^LEGACY";
        String pid = "PID|1||A-10701^^^CLINIC-A^MR||Lovelace^Ada";

        // 8 March 2026, 02:30 in New York: the clocks jump from 02:00 to 03:00
        assertThatThrownBy(() -> mapper.map(mapping, mappings.patientFor(mapping), MapHl7v2MessageTest.message(msh, sch,
                "TQ1|||||||202603080230|202603080330", pid))).isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo("TQ1-7");
                    assertThat(e.code()).isEqualTo(ErrorCode.DATA_TYPE_ERROR);
                    assertThat(e.getMessage()).contains("daylight-saving gap");
                });
        // 1 November 2026, 01:30 happens twice
        assertThatThrownBy(() -> mapper.map(mapping, mappings.patientFor(mapping), MapHl7v2MessageTest.message(msh, sch,
                "TQ1|||||||202611010130|202611010300", pid))).isInstanceOfSatisfying(Hl7v2MessageException.class,
                        e -> assertThat(e.getMessage()).contains("ambiguous"));

        // no TQ1: the service's start and its duration in hours
        Appointment appointment = (Appointment) mapper.map(mapping, mappings.patientFor(mapping), MapHl7v2MessageTest.message(msh, sch, pid,
                "RGS|1", "AIS|1||CONSULT^Consultation|202603091000|||2|h")).resource();
        assertThat(appointment.getStartElement().getValueAsString()).isEqualTo("2026-03-09T10:00:00-04:00");
        assertThat(appointment.getEndElement().getValueAsString()).isEqualTo("2026-03-09T12:00:00-04:00");
        assertThat(appointment.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);

        assertThatThrownBy(() -> mapper.map(mapping, mappings.patientFor(mapping), MapHl7v2MessageTest.message(msh, sch, pid,
                "RGS|1", "AIS|1||CONSULT^Consultation|202603091000|||2|fortnights"))).isInstanceOfSatisfying(Hl7v2MessageException.class,
                        e -> assertThat(e.location()).isEqualTo("AIS-8-1"));
    }

    @Test
    void anSiuWithoutTheFillersIdIsRefused() {
        Hl7v2Mappings mappings = shippedMappings();
        MappingFile mapping = mappings.forMessage("SIU", "S12").orElseThrow();
        assertThatThrownBy(() -> new MapHl7v2Message(MapHl7v2MessageTest.FHIR).map(mapping, mappings.patientFor(mapping),
                MapHl7v2MessageTest.message("MSH|^~\\&|LEGACY|CLINIC-A|PORTAL|PS|20260301120000||SIU^S12|CTRL-10702|P|2.5.1",
                        "SCH|P-10702^PORTAL", "TQ1|||||||20260309100000-0400", "PID|1||A-10702^^^CLINIC-A^MR||Lovelace^Ada")))
                .isInstanceOfSatisfying(Hl7v2MessageException.class, e -> {
                    assertThat(e.location()).isEqualTo("SCH-2-1");
                    assertThat(e.code()).isEqualTo(ErrorCode.REQUIRED_FIELD_MISSING);
                });
    }
}
