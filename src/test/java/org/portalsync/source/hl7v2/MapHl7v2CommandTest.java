package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;

/** An analyst runs a mapping over a sample message: the FHIR JSON on standard output, what was left unread beside it. */
class MapHl7v2CommandTest {

    @TempDir
    Path home;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void home() throws Exception {
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/application.properties"),
                "portal-sync.mapping.mrn-system = " + MapHl7v2MessageTest.MRN_SYSTEM + "\n");
    }

    private int run(String message) throws Exception {
        Path file = home.resolve("sample.hl7");
        Files.writeString(file, message);
        return MapHl7v2Command.run(List.of(ShippedAdtMappingCorpusTest.SHIPPED.toString(), file.toString()),
                Map.of(PortalSyncSettings.HOME, home.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsTheFhirJsonAndTheUnmappedFields() throws Exception {
        int status = run(String.join("\r", MapHl7v2MessageTest.MSH,
                "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada^^^^^L||19151210|F||2106-3",
                "PV1|1|O"));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        Patient patient = MapHl7v2MessageTest.FHIR.newJsonParser().parseResource(Patient.class, out.toString(StandardCharsets.UTF_8));
        assertThat(patient.getIdentifierFirstRep().getSystem()).isEqualTo(MapHl7v2MessageTest.MRN_SYSTEM);
        assertThat(patient.getIdentifierFirstRep().getValue()).isEqualTo("A-77");
        assertThat(patient.getBirthDateElement().getValueAsString()).isEqualTo("1915-12-10");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("ADT^A04 CTRL-1 -> Patient/v2-")
                .contains("Unmapped (no rule reads them): PID-10, PV1");
    }

    @Test
    void aSoapMappingMapsEveryRecordOfASampleAnswerAndAnAppointmentGetsThePatientItSitsIn() throws Exception {
        Path sample = Path.of("docs/samples/legacy-patient-service-response.xml");
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
        Map<String, String> settings = Map.of(PortalSyncSettings.HOME, home.toString());

        assertThat(MapHl7v2Command.run(List.of("config/mappings/soap-legacy-patient.yaml", sample.toString()), settings, stdout, stderr))
                .as(err.toString(StandardCharsets.UTF_8)).isZero();
        Bundle patients = MapHl7v2MessageTest.FHIR.newJsonParser().parseResource(Bundle.class, out.toString(StandardCharsets.UTF_8));
        assertThat(patients.getEntry()).extracting(entry -> ((Patient) entry.getResource()).getNameFirstRep().getFamily() + " "
                + ((Patient) entry.getResource()).getBirthDateElement().getValueAsString())
                .containsExactly("Lovelace 1915-12-10", "Babbage 1791-12-26");
        String lovelace = "Patient/" + patients.getEntry().get(0).getResource().getIdElement().getIdPart();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("GetPatients record 1 -> " + lovelace).contains("GetPatients record 2 -> Patient/soap-");

        out.reset();
        err.reset();
        assertThat(MapHl7v2Command.run(List.of("config/mappings/soap-legacy-appointment.yaml", sample.toString()), settings, stdout, stderr))
                .as(err.toString(StandardCharsets.UTF_8)).isZero();
        Bundle appointments = MapHl7v2MessageTest.FHIR.newJsonParser().parseResource(Bundle.class, out.toString(StandardCharsets.UTF_8));
        assertThat(appointments.getEntry()).singleElement().satisfies(entry -> {
            Appointment appointment = (Appointment) entry.getResource();
            assertThat(appointment.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);
            // 09:30 in the service's zone (America/New_York, winter)
            assertThat(appointment.getStartElement().getValueAsString()).isEqualTo("2024-03-08T09:30:00-05:00");
            assertThat(appointment.getParticipant()).extracting(participant -> participant.getActor().getReference()).contains(lovelace);
        });

        out.reset();
        err.reset();
        Path hostile = home.resolve("answer.xml");
        Files.writeString(hostile, "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>");
        assertThat(MapHl7v2Command.run(List.of("config/mappings/soap-legacy-patient.yaml", hostile.toString()), settings, stdout, stderr))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("holds a DOCTYPE declaration, which is refused");
        assertThat(out.size()).isZero();
    }

    @Test
    void aRefusedMessageNamesTheFieldAndTheProblem() throws Exception {
        int status = run(String.join("\r", MapHl7v2MessageTest.MSH, "PID|1||A-77^^^CLINIC-A^PI||Lovelace^Ada"));

        assertThat(status).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("refused (101 Required field missing): PID-3(5=MR)-1: required");
    }

    @Test
    void aSettingNotSetYetShowsAsAStandInWithANote() throws Exception {
        Files.writeString(home.resolve("config/application.properties"), "# a fresh installation: no MRN system yet\n");

        int status = run(String.join("\r", MapHl7v2MessageTest.MSH, "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada"));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        Patient patient = MapHl7v2MessageTest.FHIR.newJsonParser().parseResource(Patient.class, out.toString(StandardCharsets.UTF_8));
        assertThat(patient.getIdentifierFirstRep().getSystem()).isEqualTo(MapHl7v2Command.UNSET_SETTING + "portal-sync.mapping.mrn-system");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Note: portal-sync.mapping.mrn-system is not set, so the engine would refuse");
    }

    @Test
    void aScopedMappingMapsOnlyItsSendersSamples() throws Exception {
        Path mapping = home.resolve("epic-adt.yaml");
        Files.writeString(mapping, Files.readString(ShippedAdtMappingCorpusTest.SHIPPED).replace("source: legacy-adt\n",
                "source: legacy-adt-epic\nsenders: [{application: EPIC, facility: NORTH}]\n"));
        Path sample = home.resolve("sample.hl7");
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
        Map<String, String> settings = Map.of(PortalSyncSettings.HOME, home.toString());

        Files.writeString(sample, String.join("\r", MapHl7v2MessageTest.MSH, "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada"));
        assertThat(MapHl7v2Command.run(List.of(mapping.toString(), sample.toString()), settings, stdout, stderr)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(": its sender LEGACY^CLINIC-A (MSH-3^MSH-4) is not one " + mapping
                + " serves (senders: {application: EPIC, facility: NORTH})");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();

        Files.writeString(sample, String.join("\r", MapHl7v2MessageTest.MSH.replace("|LEGACY|CLINIC-A|", "|EPIC|NORTH|"),
                "PID|1||A-77^^^CLINIC-A^MR||Lovelace^Ada"));
        assertThat(MapHl7v2Command.run(List.of(mapping.toString(), sample.toString()), settings, stdout, stderr))
                .as(err.toString(StandardCharsets.UTF_8)).isZero();
        Patient patient = MapHl7v2MessageTest.FHIR.newJsonParser().parseResource(Patient.class, out.toString(StandardCharsets.UTF_8));
        assertThat(patient.getIdElement().getIdPart()).as("the sender's source is in the id")
                .isEqualTo(MapHl7v2Message.stableId("legacy-adt-epic", "v2", List.of("A-77", "CLINIC-A")));
    }
}
