package org.portalsync.digest;

import java.time.Instant;

/**
 * One thing for the front desk to fix in the EHR: which record, which field, what is wrong with it. Never
 * the value itself: the record's id is enough to find it in the EHR.
 *
 * @param table          the row's table, to mark it reported
 * @param rule           what is wrong (the data-quality problem, or the reconciliation discrepancy's kind)
 * @param occurrences    how many times it was found since the last digest (e.g. the messages a mapping left the same
 *                       fields of), the first at {@code detectedAt}, the last at {@code lastDetectedAt}
 */
public record DigestEntry(String table, long id, String rule, String source, String record, String field, Instant detectedAt,
        int occurrences, Instant lastDetectedAt) {

    public static final String DATA_QUALITY = "data_quality_issue";
    public static final String DISCREPANCY = "reconciliation_discrepancy";
    public static final String CONFLICT = "portal_field_conflict";

    /** Found once. */
    public DigestEntry(String table, long id, String rule, String source, String record, String field, Instant detectedAt) {
        this(table, id, rule, source, record, field, detectedAt, 1, detectedAt);
    }

    /** The field without positions ({@code Patient.telecom[1].value} is {@code Patient.telecom[*].value}): how entries are grouped. */
    public String fieldGroup() {
        return field.replaceAll("\\[\\d+]", "[*]");
    }
}
