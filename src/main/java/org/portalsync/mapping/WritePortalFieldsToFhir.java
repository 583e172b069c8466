package org.portalsync.mapping;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointUse;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.HumanName.NameUse;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Patient.ContactComponent;
import org.hl7.fhir.r4.model.Patient.PatientCommunicationComponent;
import org.hl7.fhir.r4.model.Period;
import org.portalsync.authority.AuthorityField;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.PostalAddress;

/**
 * Writes the portal's value of a field into the EHR's full {@code Patient}, the inverse of
 * {@link MapFhirPatient} for that field: mapping the result back gives the portal's value. Everything
 * else in the resource (identifiers, extensions, other names, fax numbers...) is left as the EHR has it.
 * A list the portal decides (phones, emails, addresses, contacts) replaces the EHR's whole list of that kind.
 */
public final class WritePortalFieldsToFhir {

    private static final String BCP_47 = "urn:ietf:bcp:47";
    private static final String V2_0131 = "http://terminology.hl7.org/CodeSystem/v2-0131";
    private static final String V3_ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
    /** HL7 table 0131 (contact role) codes; any other relationship code is a v3 RoleCode. */
    private static final Set<String> CONTACT_ROLES = Set.of("BP", "C", "CP", "E", "EP", "F", "I", "N", "O", "PR", "S", "U");

    private WritePortalFieldsToFhir() {
    }

    /** @throws IllegalArgumentException for a field only the EHR sets (MRN, deceased) or one not synced */
    public static void write(Patient resource, AuthorityField field, PortalPatient portal) {
        switch (field) {
            case PATIENT_LEGAL_NAME -> replaceNames(resource, Set.of(NameUse.OFFICIAL), portal.legalName(), portal.displayName(), NameUse.OFFICIAL);
            case PATIENT_PREFERRED_NAME -> replaceNames(resource, Set.of(NameUse.USUAL, NameUse.NICKNAME), portal.preferredName(), null, NameUse.USUAL);
            case PATIENT_BIRTH_DATE -> resource.setBirthDateElement(portal.birthDate() == null ? null : new DateType(portal.birthDate().toString()));
            case PATIENT_GENDER -> resource.setGender(portal.gender() == null ? null : AdministrativeGender.fromCode(portal.gender()));
            case PATIENT_PHONES -> replaceTelecom(resource, Set.of(ContactPointSystem.PHONE, ContactPointSystem.SMS), ContactPointSystem.PHONE, portal.phones());
            case PATIENT_EMAILS -> replaceTelecom(resource, Set.of(ContactPointSystem.EMAIL), ContactPointSystem.EMAIL, portal.emails());
            case PATIENT_ADDRESSES -> resource.setAddress(portal.addresses().stream().map(WritePortalFieldsToFhir::address).toList());
            case PATIENT_EMERGENCY_CONTACTS -> resource.setContact(portal.emergencyContacts().stream().map(WritePortalFieldsToFhir::contact).toList());
            case PATIENT_PREFERRED_LANGUAGE -> preferredLanguage(resource, portal.preferredLanguage());
            default -> throw new IllegalArgumentException(field.qualifiedName() + " is not written to the EHR");
        }
    }

    private static void replaceNames(Patient resource, Set<NameUse> uses, PersonName name, String text, NameUse use) {
        resource.getName().removeIf(n -> uses.contains(n.getUse()));
        if (name == null && text == null) {
            return;
        }
        HumanName written = new HumanName().setUse(use).setText(text);
        if (name != null) {
            written.setFamily(name.family());
            words(name.prefix()).forEach(written::addPrefix);
            words(name.given()).forEach(written::addGiven);
            words(name.suffix()).forEach(written::addSuffix);
        }
        resource.getName().add(0, written);
    }

    private static List<String> words(String joined) {
        return joined == null ? List.of() : Arrays.asList(joined.split(" "));
    }

    private static void replaceTelecom(Patient resource, Set<ContactPointSystem> systems, ContactPointSystem system, List<ContactPoint> points) {
        resource.getTelecom().removeIf(t -> systems.contains(t.getSystem()));
        for (ContactPoint point : points) {
            org.hl7.fhir.r4.model.ContactPoint written = new org.hl7.fhir.r4.model.ContactPoint().setSystem(system).setValue(point.value());
            if (point.use() != null) {
                written.setUse(ContactPointUse.fromCode(point.use()));
            }
            if (point.rank() != null) {
                written.setRank(point.rank());
            }
            resource.getTelecom().add(written);
        }
    }

    private static Address address(PostalAddress portal) {
        Address address = new Address().setCity(portal.city()).setState(portal.state()).setPostalCode(portal.postalCode())
                .setCountry(portal.country());
        portal.lines().forEach(address::addLine);
        if (portal.use() != null) {
            address.setUse(Address.AddressUse.fromCode(portal.use()));
        }
        if (portal.periodStart() != null || portal.periodEnd() != null) {
            Period period = new Period();
            if (portal.periodStart() != null) {
                period.setStartElement(new org.hl7.fhir.r4.model.DateTimeType(portal.periodStart().toString()));
            }
            if (portal.periodEnd() != null) {
                period.setEndElement(new org.hl7.fhir.r4.model.DateTimeType(portal.periodEnd().toString()));
            }
            address.setPeriod(period);
        }
        return address;
    }

    private static ContactComponent contact(EmergencyContact portal) {
        ContactComponent contact = new ContactComponent();
        if (portal.relationship() != null) {
            contact.addRelationship(new CodeableConcept().addCoding(
                    new org.hl7.fhir.r4.model.Coding(CONTACT_ROLES.contains(portal.relationship()) ? V2_0131 : V3_ROLE_CODE, portal.relationship(), null)));
        }
        if (portal.name() != null) {
            HumanName name = new HumanName().setFamily(portal.name().family());
            words(portal.name().prefix()).forEach(name::addPrefix);
            words(portal.name().given()).forEach(name::addGiven);
            words(portal.name().suffix()).forEach(name::addSuffix);
            contact.setName(name);
        }
        if (portal.phone() != null) {
            contact.addTelecom().setSystem(ContactPointSystem.PHONE).setValue(portal.phone());
        }
        if (portal.email() != null) {
            contact.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue(portal.email());
        }
        return contact;
    }

    private static void preferredLanguage(Patient resource, String language) {
        resource.getCommunication().forEach(c -> c.setPreferred(false));
        resource.getCommunication().removeIf(c -> c.hasLanguage() && c.getLanguage().getCoding().stream()
                .anyMatch(coding -> language != null && language.equals(coding.getCode())));
        if (language != null) {
            PatientCommunicationComponent preferred = new PatientCommunicationComponent().setPreferred(true);
            preferred.setLanguage(new CodeableConcept().addCoding(new org.hl7.fhir.r4.model.Coding(BCP_47, language, null)));
            resource.getCommunication().add(0, preferred);
        }
    }
}
