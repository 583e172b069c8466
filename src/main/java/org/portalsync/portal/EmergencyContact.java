package org.portalsync.portal;

import java.util.Set;

/**
 * An entry of FHIR {@code Patient.contact}.
 *
 * @param relationship the code of {@code contact.relationship} (HL7 table 0131 / v3 RoleCode), e.g. {@code C}, {@code N}, {@code MTH};
 *                     a {@link #GUARDIAN_RELATIONSHIPS guardian} code when the contact has one
 * @param phone        the first valid phone, normalised like the patient's; null when none
 * @param email        the first valid email; null when none
 */
public record EmergencyContact(String relationship, PersonName name, String phone, String email) {

    /**
     * Relationships that give a person authority over a minor's care and records, so that a minor's
     * portal welcome may go to them. HL7 v3 RoleCode (the codes FHIR's contact relationship value set
     * adds to table 0131): {@code GUARD} guardian; {@code PRN}, {@code MTH}, {@code FTH} parent,
     * mother, father; {@code NPRN}, {@code NMTH}, {@code NFTH} natural parent, mother, father;
     * {@code ADOPTP}, {@code ADOPTM}, {@code ADOPTF} adoptive parent, mother, father. HL7 v2 table
     * 0063 (relationship, what NK1-3 carries into FHIR): {@code GRD} guardian, {@code PAR} parent
     * ({@code MTH}, {@code FTH} as above).
     *
     * <p>Left out on purpose: table 0131's {@code N} next-of-kin and {@code C} emergency contact (an
     * adult sibling or a neighbour is one, with no say over the minor's records); step- and foster
     * parents ({@code STPPRN}, {@code PRNFOST}, ...: the custody is the other parent's or the
     * agency's, which is coded {@code GUARD} when it is the contact's); grandparents and powers of
     * attorney ({@code GRPRN}, {@code HPOWATT}: for a minor, guardianship is what counts).
     */
    public static final Set<String> GUARDIAN_RELATIONSHIPS = Set.of(
            "GUARD", "PRN", "MTH", "FTH", "NPRN", "NMTH", "NFTH", "ADOPTP", "ADOPTM", "ADOPTF", "GRD", "PAR");

    /** @return true when the relationship is one of {@link #GUARDIAN_RELATIONSHIPS} */
    public boolean guardian() {
        return relationship != null && GUARDIAN_RELATIONSHIPS.contains(relationship);
    }
}
