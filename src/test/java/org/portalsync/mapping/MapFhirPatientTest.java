package org.portalsync.mapping;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointUse;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.HumanName.NameUse;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.PostalAddress;
import org.portalsync.validate.DataQualityIssue;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

class MapFhirPatientTest {

    private static final String MRN_SYSTEM = "urn:oid:1.2.36.146.595.217.0.1";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);

    private final MapFhirPatient mapper = new MapFhirPatient(new PatientMappingSettings(MRN_SYSTEM, "US"), CLOCK);

    /** A patient that maps without issues; each test changes what it is about. */
    private static Patient patient() {
        Patient p = new Patient();
        p.setId("p1");
        p.addIdentifier().setSystem(MRN_SYSTEM).setValue("12345");
        p.addName().setUse(NameUse.OFFICIAL).setFamily("Chalmers").addGiven("Peter").addGiven("James");
        return p;
    }

    private MappedPatient map(Patient p) {
        return mapper.map("ehr", p);
    }

    private PortalPatient mapClean(Patient p) {
        MappedPatient mapped = map(p);
        assertThat(mapped.rejected()).as("rejected: %s", mapped.issues()).isFalse();
        return mapped.patient();
    }

    private static List<String> fields(MappedPatient mapped) {
        return mapped.issues().stream().map(DataQualityIssue::field).toList();
    }

    // --- key and meta

    @Test
    void takesTheKeyFromIdAndMeta() {
        Patient p = patient();
        p.setId("http://ehr.example/fhir/Patient/p1/_history/3");
        p.getMeta().setVersionId("7").setLastUpdated(Date.from(Instant.parse("2024-01-02T03:04:05Z")));

        MappedPatient mapped = map(p);

        assertThat(mapped.issues()).isEmpty();
        PortalPatient portal = mapped.patient();
        assertThat(portal.source()).isEqualTo("ehr");
        assertThat(portal.sourceId()).isEqualTo("p1");
        assertThat(portal.sourceVersion()).isEqualTo("7");
        assertThat(portal.sourceLastUpdated()).isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
    }

    @Test
    void takesTheVersionFromTheIdWhenMetaHasNone() {
        Patient p = patient();
        p.setId("Patient/p1/_history/3");

        assertThat(mapClean(p).sourceVersion()).isEqualTo("3");
    }

    @Test
    void leavesVersionAndLastUpdatedEmptyWhenTheSourceHasNone() {
        PortalPatient portal = mapClean(patient());

        assertThat(portal.sourceVersion()).isNull();
        assertThat(portal.sourceLastUpdated()).isNull();
    }

    @Test
    void rejectsPatientWithoutId() {
        Patient p = patient();
        p.setIdElement(null);

        MappedPatient mapped = map(p);

        assertThat(mapped.rejected()).isTrue();
        assertThat(mapped.patient()).isNull();
        assertThat(mapped.issues()).extracting(DataQualityIssue::field, DataQualityIssue::rejectsRecord)
                .containsExactly(tuple("Patient.id", true));
    }

    // --- MRN

    @Test
    void takesTheMrnFromTheFirstIdentifierOfTheConfiguredSystem() {
        Patient p = patient();
        p.getIdentifier().clear();
        p.addIdentifier().setSystem("http://hl7.org/fhir/sid/us-ssn").setValue("444222222");
        p.addIdentifier().setSystem(MRN_SYSTEM); // no value
        p.addIdentifier().setSystem(MRN_SYSTEM).setValue("OLD1").setUse(org.hl7.fhir.r4.model.Identifier.IdentifierUse.OLD);
        p.addIdentifier().setSystem(MRN_SYSTEM).setValue(" 12345 ");
        p.addIdentifier().setSystem(MRN_SYSTEM).setValue("67890");

        assertThat(mapClean(p).mrn()).isEqualTo("12345");
    }

    @Test
    void reportsButDeliversAPatientWithoutMrn() {
        Patient p = patient();
        p.getIdentifier().clear();
        p.addIdentifier().setSystem("http://other").setValue("1");

        MappedPatient mapped = map(p);

        assertThat(mapped.rejected()).isFalse();
        assertThat(mapped.patient().mrn()).isNull();
        assertThat(mapped.issues()).singleElement().isEqualTo(new DataQualityIssue("Patient/p1", "Patient.identifier",
                "no identifier with system " + MRN_SYSTEM + " (MRN)", false));
    }

    // --- names

    @Test
    void takesTheOfficialNameAsLegalAndTheUsualAsPreferred() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.USUAL).addGiven("Jim");
        p.addName().setUse(NameUse.OFFICIAL).setFamily("Chalmers").addGiven("Peter").addGiven("James")
                .addPrefix("Mr.").addPrefix("Dr.").addSuffix("MSc").addSuffix("PhD");

        PortalPatient portal = mapClean(p);

        assertThat(portal.legalName()).isEqualTo(new PersonName("Mr. Dr.", "Peter James", "Chalmers", "MSc PhD"));
        assertThat(portal.preferredName()).isEqualTo(new PersonName(null, "Jim", null, null));
    }

    @Test
    void fallsBackToAUsualNameAsLegalWhenThereIsNoOfficialOne() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.NICKNAME).addGiven("Pete");
        p.addName().setUse(NameUse.MAIDEN).setFamily("Windsor");
        p.addName().setUse(NameUse.USUAL).setFamily("van de Heuvel").addGiven("Pieter");

        PortalPatient portal = mapClean(p);

        assertThat(portal.legalName()).isEqualTo(new PersonName(null, "Pieter", "van de Heuvel", null));
        assertThat(portal.preferredName()).as("the nickname differs from the legal name")
                .isEqualTo(new PersonName(null, "Pete", null, null));
    }

    @Test
    void fallsBackToANameWithoutUseOrATempName() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.ANONYMOUS).addGiven("X");
        p.addName().setUse(NameUse.TEMP).setFamily("Doe").addGiven("Baby");

        assertThat(mapClean(p).legalName()).isEqualTo(new PersonName(null, "Baby", "Doe", null));

        p.getName().add(0, new HumanName().setFamily("Plain").addGiven("Anne"));
        assertThat(mapClean(p).legalName()).isEqualTo(new PersonName(null, "Anne", "Plain", null));
    }

    @Test
    void skipsNamesWhosePeriodHasEnded() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.OFFICIAL).setFamily("Windsor").addGiven("Peter")
                .setPeriod(new Period().setEndElement(new DateTimeType("2002")));
        p.addName().setUse(NameUse.OFFICIAL).setFamily("Chalmers").addGiven("Peter")
                .setPeriod(new Period().setEndElement(new DateTimeType("2025-06-01"))); // ends today: still current

        assertThat(mapClean(p).legalName().family()).isEqualTo("Chalmers");
    }

    @Test
    void hasNoPreferredNameWhenTheUsualNameIsTheLegalOne() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.USUAL).setFamily("Solo").addGiven("Jaina");

        PortalPatient portal = mapClean(p);

        assertThat(portal.legalName()).isEqualTo(new PersonName(null, "Jaina", "Solo", null));
        assertThat(portal.preferredName()).isNull();
    }

    @Test
    void prefersAUsualNameOverANicknameAsPreferredName() {
        Patient p = patient();
        p.addName().setUse(NameUse.NICKNAME).addGiven("Pete");
        p.addName().setUse(NameUse.USUAL).addGiven("Jim");

        assertThat(mapClean(p).preferredName().given()).isEqualTo("Jim");
    }

    @Test
    void rejectsPatientWithoutAnyName() {
        Patient p = patient();
        p.getName().clear();

        MappedPatient mapped = map(p);

        assertThat(mapped.rejected()).isTrue();
        assertThat(mapped.patient()).isNull();
        assertThat(mapped.issues()).contains(new DataQualityIssue("Patient/p1", "Patient.name",
                "no legal name (official, or usual without period end): required", true));
    }

    @Test
    void rejectsPatientWhoseOnlyNamesAreNotLegalOnes() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.NICKNAME).addGiven("Pete");
        p.addName().setUse(NameUse.OLD).setFamily("Windsor");
        p.addName().setUse(NameUse.USUAL).setFamily("Ended").setPeriod(new Period().setEndElement(new DateTimeType("2020-01")));

        assertThat(map(p).rejected()).isTrue();
        assertThat(fields(map(p))).containsExactly("Patient.name");
    }

    @Test
    void keepsALegalNameGivenOnlyAsTextAsTheDisplayName() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.OFFICIAL).setText(" 张无忌 ").addPrefix("Dr.");

        MappedPatient mapped = map(p);

        assertThat(mapped.issues()).isEmpty();
        assertThat(mapped.patient().displayName()).isEqualTo("张无忌");
        assertThat(mapped.patient().legalName()).as("free text is not split into parts").isNull();
        assertThat(mapped.patient().deletedAtSource()).isFalse();
    }

    @Test
    void theDisplayNameIsTheTextOfTheOfficialNameEvenWhenAnotherNameHasParts() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.USUAL).setFamily("Zhang").addGiven("Wuji").setText("Zhang Wuji");
        p.addName().setUse(NameUse.OFFICIAL).setText("张无忌");

        PortalPatient portal = mapClean(p);

        assertThat(portal.legalName()).isEqualTo(new PersonName(null, "Wuji", "Zhang", null));
        assertThat(portal.displayName()).isEqualTo("张无忌");
        assertThat(mapClean(patient()).displayName()).as("no text, no display name").isNull();
    }

    @Test
    void rejectsPatientWhoseLegalNameHasNeitherPartsNorText() {
        Patient p = patient();
        p.getName().clear();
        p.addName().setUse(NameUse.OFFICIAL).addPrefix("Dr.");
        p.addName().setUse(NameUse.NICKNAME).setText("Doc");

        MappedPatient mapped = map(p);

        assertThat(mapped.rejected()).isTrue();
        assertThat(mapped.issues()).singleElement().satisfies(issue -> {
            assertThat(issue.field()).isEqualTo("Patient.name");
            assertThat(issue.rejectsRecord()).isTrue();
            assertThat(issue.problem()).isEqualTo("no legal name (official, or usual without period end): required");
        });
    }

    @Test
    void stillReportsEveryOtherIssueOfARejectedPatient() {
        Patient p = patient();
        p.getName().clear();
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("12");

        assertThat(fields(map(p))).containsExactly("Patient.name", "Patient.telecom[0].value");
    }

    // --- birth date, gender, language, archived

    @Test
    void mapsBirthDateAndGender() {
        Patient p = patient();
        p.setBirthDateElement(new DateType("1974-12-25"));
        p.setGender(AdministrativeGender.FEMALE);

        PortalPatient portal = mapClean(p);

        assertThat(portal.birthDate()).isEqualTo(LocalDate.of(1974, 12, 25));
        assertThat(portal.gender()).isEqualTo("female");
    }

    @Test
    void leavesOutAPartialBirthDateNamingItsPrecision() {
        Patient p = patient();
        p.setBirthDateElement(new DateType("1970"));
        MappedPatient year = map(p);
        p.setBirthDateElement(new DateType("1970-05"));
        MappedPatient month = map(p);

        assertThat(year.patient().birthDate()).isNull();
        assertThat(year.issues()).singleElement().satisfies(i -> {
            assertThat(i.field()).isEqualTo("Patient.birthDate");
            assertThat(i.problem()).contains("year precision");
            assertThat(i.rejectsRecord()).isFalse();
        });
        assertThat(month.patient().birthDate()).isNull();
        assertThat(month.issues()).singleElement().satisfies(i -> assertThat(i.problem()).contains("month precision"));
    }

    @Test
    void leavesBirthDateAndGenderEmptyWhenAbsent() {
        PortalPatient portal = mapClean(patient());

        assertThat(portal.birthDate()).isNull();
        assertThat(portal.gender()).isNull();
    }

    @Test
    void takesThePreferredCommunicationLanguage() {
        Patient p = patient();
        p.addCommunication().setLanguage(new CodeableConcept().addCoding(
                new org.hl7.fhir.r4.model.Coding("urn:ietf:bcp:47", "en", "English")));
        p.addCommunication().setPreferred(true).setLanguage(new CodeableConcept().addCoding(
                new org.hl7.fhir.r4.model.Coding("urn:ietf:bcp:47", "nl-NL", "Dutch")));

        assertThat(mapClean(p).preferredLanguage()).isEqualTo("nl-NL");
    }

    @Test
    void takesTheFirstLanguageWhenNoneIsPreferredAndFallsBackToItsText() {
        Patient p = patient();
        p.addCommunication().setLanguage(new CodeableConcept().setText("Nederlands"));
        p.addCommunication().setLanguage(new CodeableConcept().addCoding(
                new org.hl7.fhir.r4.model.Coding("urn:ietf:bcp:47", "en", "English")));

        assertThat(mapClean(p).preferredLanguage()).isEqualTo("Nederlands");
        assertThat(mapClean(patient()).preferredLanguage()).isNull();
    }

    @Test
    void archivesOnlyAnInactivePatient() {
        Patient p = patient();
        assertThat(mapClean(p).archived()).as("active absent").isFalse();
        p.setActive(true);
        assertThat(mapClean(p).archived()).isFalse();
        p.setActive(false);
        assertThat(mapClean(p).archived()).isTrue();
    }

    @Test
    void doesNotArchiveADeceasedPatient() {
        Patient p = patient();
        p.setActive(true);
        p.setDeceased(new DateTimeType("2015-02-14T13:42:00+10:00"));

        assertThat(mapClean(p).archived()).isFalse();
    }

    // --- telecom

    @Test
    void ordersPhonesByRankThenUseAndNormalisesThemToE164() {
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0101");                                   // absent use
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0102").setUse(ContactPointUse.WORK);
        p.addTelecom().setSystem(ContactPointSystem.SMS).setValue("(212) 555-0103").setUse(ContactPointUse.MOBILE);
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0104").setUse(ContactPointUse.HOME).setRank(2);
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0105").setUse(ContactPointUse.TEMP);
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0106").setUse(ContactPointUse.WORK).setRank(1);
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0107").setUse(ContactPointUse.HOME);

        assertThat(mapClean(p).phones()).containsExactly(
                new ContactPoint("+12125550106", "work", 1),
                new ContactPoint("+12125550104", "home", 2),
                new ContactPoint("+12125550103", "mobile", null),
                new ContactPoint("+12125550107", "home", null),
                new ContactPoint("+12125550102", "work", null),
                new ContactPoint("+12125550105", "temp", null),
                new ContactPoint("+12125550101", null, null));
    }

    @Test
    void keepsTheSourceOrderOfEqualPriorityPhonesAndDropsDuplicates() {
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("212 555 0102").setUse(ContactPointUse.HOME);
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("212 555 0101").setUse(ContactPointUse.HOME);
        p.addTelecom().setSystem(ContactPointSystem.SMS).setValue("+1 212 555 0102").setUse(ContactPointUse.HOME);

        assertThat(mapClean(p).phones()).extracting(ContactPoint::value).containsExactly("+12125550102", "+12125550101");
    }

    @Test
    void skipsOldAndEndedTelecomsSilently() {
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0101").setUse(ContactPointUse.OLD);
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0102")
                .setPeriod(new Period().setEndElement(new DateTimeType("2014")));
        p.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("old@example.com")
                .setPeriod(new Period().setEndElement(new DateTimeType("2025-05-31T23:59:59Z")));
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0103")
                .setPeriod(new Period().setEndElement(new DateTimeType("2030")));

        MappedPatient mapped = map(p);

        assertThat(mapped.issues()).isEmpty();
        assertThat(mapped.patient().phones()).extracting(ContactPoint::value).containsExactly("+12125550103");
        assertThat(mapped.patient().emails()).isEmpty();
    }

    @Test
    void leavesOutAnInvalidPhoneWithAnIssueThatDoesNotQuoteIt() {
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0101");
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("555-555-2003");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().phones()).extracting(ContactPoint::value).containsExactly("+12125550101");
        assertThat(mapped.issues()).containsExactly(new DataQualityIssue("Patient/p1", "Patient.telecom[1].value",
                "not a valid phone number for region US; left out", false));
    }

    @Test
    void readsNationalNumbersInTheCountryOfTheHomeAddress() {
        Patient p = patient();
        p.addAddress().setUse(Address.AddressUse.WORK).addLine("1 Main St").setCity("Boston").setState("MA")
                .setPostalCode("02110").setCountry("US");
        p.addAddress().setUse(Address.AddressUse.HOME).addLine("Van Egmondkade 23").setCity("Amsterdam")
                .setPostalCode("1024 RJ").setCountry("NLD");
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("0648352638").setUse(ContactPointUse.MOBILE);

        assertThat(mapClean(p).phones()).extracting(ContactPoint::value).containsExactly("+31648352638");
    }

    @Test
    void readsNationalNumbersInTheDefaultCountryWithoutAHomeAddressCountry() {
        MapFhirPatient australian = new MapFhirPatient(new PatientMappingSettings(MRN_SYSTEM, "AU"), CLOCK);
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(03) 5555 6473");

        assertThat(australian.map("ehr", p).patient().phones()).extracting(ContactPoint::value)
                .containsExactly("+61355556473");
    }

    @Test
    void normalisesEmailsAndLeavesOutInvalidOnes() {
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("  P.Heuvel@GMail.COM ").setUse(ContactPointUse.HOME);
        p.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("not an email");
        p.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("work@example.com").setUse(ContactPointUse.WORK).setRank(1);

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().emails()).containsExactly(
                new ContactPoint("work@example.com", "work", 1),
                new ContactPoint("P.Heuvel@gmail.com", "home", null));
        assertThat(mapped.issues()).containsExactly(new DataQualityIssue("Patient/p1", "Patient.telecom[1].value",
                "not a valid email address; left out", false));
    }

    @Test
    void reportsATelecomWithoutSystemOrValue() {
        Patient p = patient();
        p.addTelecom().setUse(ContactPointUse.HOME);
        p.addTelecom().setValue("(212) 555-0101");
        p.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("  ");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().phones()).isEmpty();
        assertThat(mapped.issues()).extracting(DataQualityIssue::field, DataQualityIssue::problem, DataQualityIssue::rejectsRecord)
                .containsExactly(
                        tuple("Patient.telecom[0]", "telecom without system/value; left out", false),
                        tuple("Patient.telecom[1]", "telecom without system/value; left out", false),
                        tuple("Patient.telecom[2]", "telecom without system/value; left out", false));
    }

    @Test
    void ignoresTelecomSystemsThePortalDoesNotUse() {
        Patient p = patient();
        p.addTelecom().setSystem(ContactPointSystem.FAX).setValue("(212) 555-0101");
        p.addTelecom().setSystem(ContactPointSystem.URL).setValue("https://example.com");

        MappedPatient mapped = map(p);

        assertThat(mapped.issues()).isEmpty();
        assertThat(mapped.patient().phones()).isEmpty();
        assertThat(mapped.patient().emails()).isEmpty();
    }

    // --- addresses

    @Test
    void standardisesAnAddress() {
        Patient p = patient();
        p.addAddress().setUse(Address.AddressUse.HOME).addLine("  1 Main   St ").addLine(" ").addLine("Apt 2")
                .setCity("SPRINGFIELD").setState("illinois").setPostalCode("627011234").setCountry("USA")
                .setPeriod(new Period().setStartElement(new DateTimeType("2012")).setEndElement(new DateTimeType("2030-02")));

        assertThat(mapClean(p).addresses()).containsExactly(new PostalAddress("home", List.of("1 Main St", "Apt 2"),
                "Springfield", "IL", "62701-1234", "US", LocalDate.of(2012, 1, 1), LocalDate.of(2030, 2, 28)));
    }

    @Test
    void givesAnAddressWithoutCountryTheDefaultWhenItsStateAndPostalCodeFit() {
        Patient p = patient();
        p.addAddress().addLine("1 Main St").setCity("Toronto").setState("ON").setPostalCode("M5V 2T6");
        p.addAddress().addLine("1 Main St").setCity("Boston").setState("Massachusetts").setPostalCode("02110");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().addresses()).extracting(PostalAddress::country, PostalAddress::state)
                .containsExactly(tuple(null, "ON"), tuple("US", "MA"));
        assertThat(fields(mapped)).containsExactly("Patient.address[0].country");
    }

    @Test
    void leavesOutAnAddressWithAnInvalidPostalCodeOrStateOrCountry() {
        Patient p = patient();
        p.addAddress().addLine("1 Main St").setCity("Boston").setState("MA").setPostalCode("2110").setCountry("US");
        p.addAddress().addLine("1 Main St").setCity("Boston").setState("Bavaria").setPostalCode("02110").setCountry("US");
        p.addAddress().addLine("1 Main St").setCity("Nowhere").setCountry("Narnia");
        p.addAddress().addLine("Van Egmondkade 23").setCity("Amsterdam").setPostalCode("1024 RJ").setCountry("NL");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().addresses()).extracting(PostalAddress::postalCode).containsExactly("1024 RJ");
        assertThat(mapped.issues()).extracting(DataQualityIssue::field, DataQualityIssue::rejectsRecord).containsExactly(
                tuple("Patient.address[0].postalCode", false),
                tuple("Patient.address[1].state", false),
                tuple("Patient.address[2].country", false));
    }

    @Test
    void deliversATextOnlyAddressAsOneLine() {
        Patient p = patient();
        p.addAddress().setUse(Address.AddressUse.HOME).setText("上海市黄埔区马当路190号");

        MappedPatient mapped = map(p);

        assertThat(mapped.issues()).isEmpty();
        assertThat(mapped.patient().addresses()).containsExactly(
                new PostalAddress("home", List.of("上海市黄埔区马当路190号"), null, null, null, null, null, null));
    }

    // --- contacts

    @Test
    void mapsAnEmergencyContact() {
        Patient p = patient();
        Patient.ContactComponent contact = p.addContact();
        contact.addRelationship().addCoding()
                .setSystem("http://snomed.info/sct").setCode("127850001");
        contact.getRelationshipFirstRep().addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/v2-0131").setCode("N");
        contact.setName(new HumanName().setUse(NameUse.MAIDEN).setFamily("Organa").addGiven("Leia"));
        contact.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("12");
        contact.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0102").setUse(ContactPointUse.WORK);
        contact.addTelecom().setSystem(ContactPointSystem.PHONE).setValue("(212) 555-0101").setUse(ContactPointUse.MOBILE);
        contact.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("Leia@Alderaan.ORG");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().emergencyContacts()).containsExactly(new EmergencyContact("N",
                new PersonName(null, "Leia", "Organa", null), "+12125550101", "Leia@alderaan.org"));
        assertThat(fields(mapped)).containsExactly("Patient.contact[0].telecom[0].value");
    }

    @Test
    void takesTheFirstRelationshipCodeWhenNoneIsFromTable0131OrRoleCode() {
        Patient p = patient();
        Patient.ContactComponent contact = p.addContact().setName(new HumanName().setFamily("Bor"));
        contact.addRelationship().addCoding().setSystem("http://snomed.info/sct").setCode("127850001");
        contact.addRelationship().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v2-0131").setCode("C");

        assertThat(mapClean(p).emergencyContacts()).extracting(EmergencyContact::relationship).containsExactly("127850001");
    }

    @Test
    void prefersAGuardianCodeOverTheContactRole() {
        Patient p = patient();
        Patient.ContactComponent mother = p.addContact().setName(new HumanName().setFamily("Organa"));
        mother.addRelationship().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v2-0131").setCode("N");
        mother.getRelationshipFirstRep().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v3-RoleCode").setCode("MTH");
        Patient.ContactComponent guardian = p.addContact().setName(new HumanName().setFamily("Kenobi"));
        guardian.addRelationship().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v2-0131").setCode("C");
        guardian.addRelationship().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v2-0063").setCode("GRD");
        Patient.ContactComponent notGuardian = p.addContact().setName(new HumanName().setFamily("Solo"));
        notGuardian.addRelationship().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v2-0131").setCode("N");
        notGuardian.addRelationship().addCoding().setSystem("http://example.org/local-roles").setCode("GUARD");

        assertThat(mapClean(p).emergencyContacts()).extracting(EmergencyContact::relationship, EmergencyContact::guardian)
                .containsExactly(tuple("MTH", true), tuple("GRD", true), tuple("N", false));
    }

    @Test
    void readsAContactsNationalNumberInTheContactsCountry() {
        Patient p = patient();
        p.addContact().setName(new HumanName().setFamily("Abels"))
                .setAddress(new Address().setCountry("Netherlands"))
                .addTelecom().setSystem(ContactPointSystem.PHONE).setValue("0648352638");

        assertThat(mapClean(p).emergencyContacts()).extracting(EmergencyContact::phone).containsExactly("+31648352638");
    }

    @Test
    void mapsAContactWithOnlyAnOrganizationWithoutName() {
        Patient p = patient();
        Patient.ContactComponent contact = p.addContact().setOrganization(new Reference("Organization/1"));
        contact.addRelationship().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/v2-0131").setCode("E");

        MappedPatient mapped = map(p);

        assertThat(mapped.issues()).isEmpty();
        assertThat(mapped.patient().emergencyContacts()).containsExactly(new EmergencyContact("E", null, null, null));
    }

    @Test
    void reportsAContactNameWithTextOnlyAndKeepsTheContact() {
        Patient p = patient();
        p.addContact().setName(new HumanName().setText("Ariadne Bor-Jansma"))
                .addTelecom().setSystem(ContactPointSystem.PHONE).setValue("+31201234567");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().emergencyContacts()).containsExactly(new EmergencyContact(null, null, "+31201234567", null));
        assertThat(mapped.issues()).extracting(DataQualityIssue::field, DataQualityIssue::rejectsRecord)
                .containsExactly(tuple("Patient.contact[0].name", false));
    }

    @Test
    void leavesOutAnEndedContactSilentlyAndAnEmptyOneWithAnIssue() {
        Patient p = patient();
        p.addContact().setName(new HumanName().setFamily("Gone"))
                .setPeriod(new Period().setEndElement(new DateTimeType("2020-01-01")));
        p.addContact().addTelecom().setSystem(ContactPointSystem.PHONE).setValue("12");

        MappedPatient mapped = map(p);

        assertThat(mapped.patient().emergencyContacts()).isEmpty();
        assertThat(fields(mapped)).containsExactly("Patient.contact[1].telecom[0].value", "Patient.contact[1]");
    }

    // --- the rest

    @Test
    void ignoresElementsItDoesNotMap() {
        String json = """
                {"resourceType":"Patient","id":"p1",
                 "extension":[{"url":"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName","valueString":"Organa"}],
                 "identifier":[{"system":"%s","value":"12345"}],
                 "name":[{"use":"official","family":"Chalmers","given":["Peter"]}],
                 "maritalStatus":{"text":"Married"},"multipleBirthInteger":2,
                 "photo":[{"contentType":"image/gif","url":"Binary/1"}],
                 "link":[{"other":{"reference":"Patient/p2"},"type":"seealso"}]}
                """.formatted(MRN_SYSTEM);
        Patient p = FhirContext.forR4Cached().newJsonParser().parseResource(Patient.class, json);

        assertThat(map(p).issues()).isEmpty();
    }

    @Test
    void listsTheElementsAPollShouldRequest() {
        assertThat(MapFhirPatient.MAPPED_ELEMENTS)
                .isEqualTo("identifier,active,name,telecom,gender,birthDate,address,contact,communication,deceased,link");
    }

    // --- deceased[x]

    @Test
    void mapsDeceasedBoolean() {
        Patient p = patient();
        assertThat(mapClean(p).deceased()).isFalse();

        p.setDeceased(new org.hl7.fhir.r4.model.BooleanType(false));
        assertThat(mapClean(p).deceased()).isFalse();

        p.setDeceased(new org.hl7.fhir.r4.model.BooleanType(true));
        PortalPatient portal = mapClean(p);
        assertThat(portal.deceased()).isTrue();
        assertThat(portal.deceasedAt()).isNull();
        assertThat(portal.archived()).as("deceased is not inactive").isFalse();
    }

    @Test
    void mapsDeceasedDateTimeWithItsOffsetAndADateAloneInTheFacilitysZone() {
        Patient p = patient();
        p.setDeceased(new DateTimeType("2015-02-14T13:42:00+10:00"));
        assertThat(mapClean(p).deceased()).isTrue();
        assertThat(mapClean(p).deceasedAt()).isEqualTo(Instant.parse("2015-02-14T03:42:00Z"));

        p.setDeceased(new DateTimeType("2015-02-14"));
        MapFhirPatient inNewYork = new MapFhirPatient(new PatientMappingSettings(MRN_SYSTEM, "US"),
                CLOCK.withZone(java.time.ZoneId.of("America/New_York")));
        PortalPatient portal = inNewYork.map("ehr", p).patient();
        assertThat(portal.deceased()).isTrue();
        assertThat(portal.deceasedAt()).isEqualTo(Instant.parse("2015-02-14T05:00:00Z"));
    }

    @Test
    void checksItsSettings() {
        assertThat(new PatientMappingSettings(" urn:x ", "nl")).isEqualTo(new PatientMappingSettings("urn:x", "NL"));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new PatientMappingSettings("urn:x", "USA")).withMessageContaining("alpha-2");
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new PatientMappingSettings(" ", "US")).withMessageContaining("mrnIdentifierSystem");
    }
}
