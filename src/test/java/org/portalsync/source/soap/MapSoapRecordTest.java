package org.portalsync.source.soap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.ConfigurationException;
import org.portalsync.mapping.FhirDates;
import org.portalsync.source.hl7v2.MapHl7v2Message;
import org.portalsync.source.hl7v2.MappedMessage;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.MappingFileReader;
import org.portalsync.source.hl7v2.XmlPaths;
import org.w3c.dom.Document;
import org.w3c.dom.Node;

/**
 * The shipped SOAP mapping (config/mappings/soap-legacy-patient.yaml) over the shipped sample answer
 * (docs/samples/legacy-patient-service-response.xml), the XPath checks at load, and the safe XML parser.
 */
class MapSoapRecordTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final Path SHIPPED = Path.of("config/mappings/soap-legacy-patient.yaml");
    static final String MRN_SYSTEM = "urn:oid:2.16.840.1.113883.3.4424.1";

    static MappingFile read(String name, String text) {
        return new MappingFileReader(FHIR, key -> key.equals("portal-sync.mapping.mrn-system") ? Optional.of(MRN_SYSTEM) : Optional.empty())
                .read(name, text);
    }

    @Test
    void theSampleAnswerMapsToPatientsWithStableIdsAndTheServicesZone() throws Exception {
        MappingFile mapping = read(SHIPPED.toString(), Files.readString(SHIPPED));
        Document answer = SafeXml.parse(Files.readAllBytes(Path.of("docs/samples/legacy-patient-service-response.xml")), "the sample");
        List<Node> records = XmlPaths.nodes(answer, mapping.soap().records(), mapping.soap().namespaces());

        assertThat(records).hasSize(2);
        Patient ada = (Patient) new MapSoapRecord(FHIR).map(mapping, records.get(0));
        assertThat(ada.getIdentifierFirstRep().getValue()).isEqualTo("A-1001");
        assertThat(ada.getIdentifierFirstRep().getSystem()).isEqualTo(MRN_SYSTEM);
        assertThat(ada.getNameFirstRep().getFamily()).isEqualTo("Lovelace");
        assertThat(ada.getNameFirstRep().getGivenAsSingleString()).isEqualTo("Ada");
        assertThat(ada.getBirthDateElement().getValueAsString()).isEqualTo("1915-12-10");
        assertThat(ada.getGender()).isEqualTo(org.hl7.fhir.r4.model.Enumerations.AdministrativeGender.FEMALE);
        assertThat(ada.getTelecom()).extracting(t -> t.getSystem().toCode() + " " + t.getUse() + " " + t.getValue())
                .containsExactly("phone HOME +1 555 0100", "phone WORK +1 555 0101", "email null ada@example.org");
        // LastModified 2024-03-01T12:00:00 in America/New_York (EST): 17:00 UTC
        assertThat(ada.getMeta().getLastUpdated().toInstant()).hasToString("2024-03-01T17:00:00Z");
        Patient again = (Patient) new MapSoapRecord(FHIR).map(mapping, records.get(0));
        Patient charles = (Patient) new MapSoapRecord(FHIR).map(mapping, records.get(1));
        assertThat(again.getIdElement().getIdPart()).isEqualTo(ada.getIdElement().getIdPart()).startsWith("soap-");
        assertThat(charles.getIdElement().getIdPart()).isNotEqualTo(ada.getIdElement().getIdPart());
    }

    @Test
    void aBadXpathIsNamedWithItsLineAndHl7PathsAreNotTakenInASoapMapping() throws Exception {
        String shipped = Files.readString(SHIPPED);
        assertThatThrownBy(() -> read("config/mappings/s.yaml", shipped.replace("{source: lp:Mrn,", "{source: \"lp:Mrn[\",")))
                .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("config/mappings/s.yaml:")
                .hasMessageContaining("rule 'identifier.value': 'lp:Mrn[' is not an XPath");
        assertThatThrownBy(() -> read("config/mappings/s.yaml", shipped.replace("produces: Patient", "produces: Patient\nmessages: [{type: ADT, "
                + "events: [A04]}]"))).hasMessageContaining("a mapping takes HL7 v2 messages, a SOAP operation's records or document files: one of them");
    }

    @Test
    void aDoctypeIsRefusedWhateverItDeclares() {
        String laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">]>"
                + "<lolz>&lol2;</lolz>";
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><x>&xxe;</x>";

        for (String xml : List.of(laughs, xxe)) {
            assertThatThrownBy(() -> SafeXml.parse(xml.getBytes(StandardCharsets.UTF_8), "the answer")).isInstanceOf(SoapResponseException.class)
                    .hasMessageStartingWith("the answer holds a DOCTYPE declaration, which is refused").hasMessageNotContaining("root:");
        }
    }

    @Test
    void theSamplesAppointmentMapsWithItsPatientsReferenceTheServicesZoneAndAStableId() throws Exception {
        MappingFile patients = read(SHIPPED.toString(), Files.readString(SHIPPED));
        Path shipped = Path.of("config/mappings/soap-legacy-appointment.yaml");
        MappingFile appointments = read(shipped.toString(), Files.readString(shipped));
        Document answer = SafeXml.parse(Files.readAllBytes(Path.of("docs/samples/legacy-patient-service-response.xml")), "the sample");
        List<Node> records = XmlPaths.nodes(answer, appointments.soap().records(), appointments.soap().namespaces());
        assertThat(records).as("Ada's one appointment").hasSize(1);
        assertThat(appointments.patient()).isEqualTo(patients.name());
        String ada = "Patient/" + new MapSoapRecord(FHIR).map(patients, records.get(0).getParentNode()).getIdElement().getIdPart();
        List<MappedMessage.UnmappedCode> codes = new ArrayList<>();

        Appointment appointment = (Appointment) new MapSoapRecord(FHIR).map(appointments, records.get(0), ada, codes);

        assertThat(appointment.getIdElement().getIdPart()).isEqualTo(MapHl7v2Message.stableId("legacy-soap", "soap", List.of("AP-1")));
        assertThat(appointment.getStatus()).isEqualTo(Appointment.AppointmentStatus.BOOKED);
        // 2024-03-08T09:30:00 in America/New_York (EST), with the zone kept beside it
        assertThat(appointment.getStartElement().getValueAsString()).isEqualTo("2024-03-08T09:30:00-05:00");
        assertThat(appointment.getStartElement().getExtensionByUrl(FhirDates.TZ_CODE).getValue().primitiveValue()).isEqualTo("America/New_York");
        assertThat(appointment.getEndElement().getValueAsString()).isEqualTo("2024-03-08T10:00:00-05:00");
        assertThat(appointment.getParticipant()).singleElement().satisfies(p -> assertThat(p.getActor().getReference()).isEqualTo(ada));
        assertThat(appointment.getMeta().getLastUpdated().toInstant()).as("its patient record's LastModified").hasToString("2024-03-01T17:00:00Z");
        assertThat(codes).isEmpty();

        XmlPaths.nodes(records.get(0), "lp:Status", appointments.soap().namespaces()).get(0).setTextContent("tentative");
        Appointment tentative = (Appointment) new MapSoapRecord(FHIR).map(appointments, records.get(0), ada, codes);
        assertThat(tentative.hasStatus()).isFalse();
        assertThat(codes).singleElement().hasToString("lp:Status: a code not in table status (" + shipped + ":42)");
    }
}
