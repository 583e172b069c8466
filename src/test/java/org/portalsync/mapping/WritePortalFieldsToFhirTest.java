package org.portalsync.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.portal.PortalPatient;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * Every field the portal can decide goes to the EHR as the inverse of the mapping: written into a FHIR
 * Patient and mapped back, it is the portal's value again. Checked on generated patients (US, Canadian
 * and British addresses, several phones and emails with ranks, contacts with guardian codes).
 */
class WritePortalFieldsToFhirTest {

    private static final List<AuthorityField> WRITABLE = List.of(AuthorityField.PATIENT_LEGAL_NAME, AuthorityField.PATIENT_PREFERRED_NAME,
            AuthorityField.PATIENT_BIRTH_DATE, AuthorityField.PATIENT_GENDER, AuthorityField.PATIENT_PHONES, AuthorityField.PATIENT_EMAILS,
            AuthorityField.PATIENT_ADDRESSES, AuthorityField.PATIENT_EMERGENCY_CONTACTS, AuthorityField.PATIENT_PREFERRED_LANGUAGE);

    private final MapFhirPatient mapper = new MapFhirPatient(new PatientMappingSettings(SandboxPatientGenerator.MRN_SYSTEM, "US"));

    @Test
    void eachFieldWrittenIntoAnotherPatientMapsBackToThePortalsValue() {
        SandboxPatientGenerator generator = new SandboxPatientGenerator(4711);
        int checked = 0;
        for (int i = 0; i < 300; i++) {
            Patient source = generator.next();
            source.setId("s" + i);
            MappedPatient mapped = mapper.map("ehr", source);
            if (mapped.rejected() || !mapped.issues().isEmpty()) {
                continue;
            }
            PortalPatient portal = mapped.patient();
            for (AuthorityField field : WRITABLE) {
                // the target is another patient: everything the field covers must be replaced, not merged
                Patient target = generator.next();
                target.setId("t" + i);
                while (mapper.map("ehr", target).rejected()) {
                    target = generator.next();
                    target.setId("t" + i);
                }
                WritePortalFieldsToFhir.write(target, field, portal);
                PortalPatient back = mapper.map("ehr", target).patient();
                assertThat(back).as(field.qualifiedName() + " of patient " + i).isNotNull();
                assertThat(PatientFieldValues.get(field, back)).as(field.qualifiedName() + " of patient " + i)
                        .isEqualTo(PatientFieldValues.get(field, portal));
                checked++;
            }
        }
        assertThat(checked).as("fields checked").isGreaterThan(2000);
    }

    @Test
    void writingAFieldLeavesTheRestOfTheResourceAsTheEhrHasIt() {
        SandboxPatientGenerator generator = new SandboxPatientGenerator(4712);
        Patient ehr = generator.next();
        ehr.setId("e1");
        ehr.addName(new HumanName().setUse(HumanName.NameUse.MAIDEN).setFamily("Before"));
        ehr.addTelecom().setSystem(org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.FAX).setValue("+15035550100");
        PortalPatient before = mapper.map("ehr", ehr).patient();
        Patient other = generator.next();
        other.setId("o1");
        PortalPatient portal = mapper.map("ehr", other).patient();

        WritePortalFieldsToFhir.write(ehr, AuthorityField.PATIENT_PHONES, portal);

        PortalPatient after = mapper.map("ehr", ehr).patient();
        assertThat(after.phones()).isEqualTo(portal.phones());
        assertThat(PatientFieldValues.with(after, Map.of(AuthorityField.PATIENT_PHONES, before.phones()))).isEqualTo(before);
        assertThat(ehr.getName()).anyMatch(n -> n.getUse() == HumanName.NameUse.MAIDEN);
        assertThat(ehr.getTelecom()).anyMatch(t -> t.getSystem() == org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem.FAX);
        assertThat(ehr.getIdentifier()).isNotEmpty();
    }
}
