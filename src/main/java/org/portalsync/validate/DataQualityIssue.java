package org.portalsync.validate;

/**
 * One problem with one field of one record, for the front desk's data-quality digest.
 * Never holds the offending value itself: that is PHI.
 *
 * @param record  the record, e.g. {@code Patient/123}
 * @param field   the FHIRPath-like location, e.g. {@code Patient.telecom[1].value}
 * @param problem what is wrong and what to do, e.g. {@code not a valid phone number for country US}
 * @param rejectsRecord true when the whole record cannot be delivered (a required field is
 *                      missing or the resource cannot be parsed); false when only this field is left out
 */
public record DataQualityIssue(String record, String field, String problem, boolean rejectsRecord) {
}
