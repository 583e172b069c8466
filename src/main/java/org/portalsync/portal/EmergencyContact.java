package org.portalsync.portal;

/**
 * An entry of FHIR {@code Patient.contact}.
 *
 * @param relationship the code of {@code contact.relationship} (HL7 table 0131 / v3 RoleCode), e.g. {@code C}, {@code N}, {@code MTH}
 * @param phone        the first valid phone, normalised like the patient's; null when none
 * @param email        the first valid email; null when none
 */
public record EmergencyContact(String relationship, PersonName name, String phone, String email) {
}
