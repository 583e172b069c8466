package org.portalsync.source.hl7v2;

import java.util.List;

/**
 * One rule of a mapping file: where a value comes from, what is done to it, and the FHIR element it is
 * written to (relative to the element its group builds). A rule with {@code each} is a repeating group:
 * one new {@code target} element per segment or field repetition, filled by its own {@code rules}.
 *
 * @param line      the rule's line in its file, for errors
 * @param sources   the paths read in priority order: the first that holds a value wins ({@code source} is a list of one)
 * @param concat    paths whose values are joined with {@code separator} (empty ones left out)
 * @param constant  a fixed value ({@code value}); settings are resolved ({@code {{portal-sync.mapping.mrn-system}}})
 * @param table     the code table the value is looked up in ({@code map}), or null
 * @param split     a separator that splits the value into several (a repeating target), or null
 * @param each      the segment ({@code NK1}) or field ({@code PID-3}) a group repeats over, or null
 * @param reference another record of the same source, named by the paths its own mapping derives its id from
 *                  ({@code Patient/v2-3f2a...}), or null
 * @param refuse    the problem a message is refused with when the rule's condition holds ({@code refuse}), or null
 * @param plus      a duration added to a date-time (an appointment's end from its start), or null
 * @param referenceOf paths whose values identify another record of the type the mapping produces, by its id rule
 *                  ({@code id.from}): the value is that record's reference (an A40's merged patient, MRG-1); empty for others
 * @param atMost    a group's most segments or repetitions (a message with more is refused); 0 for no limit
 * @param patientReference {@code reference: patient}: the value is the reference ({@code Patient/v2-...}) of the Patient that
 *                  the mapping's {@code patient} mapping makes of the same message
 */
public record MappingRule(int line, String target, FhirTarget fhirTarget, List<SourcePath> sources, List<SourcePath> concat, String separator,
        String constant, String defaultValue, String table, ValueType type, String prefix, String split, Condition when, boolean required,
        Each each, List<MappingRule> rules, Reference reference, String refuse, Plus plus, List<SourcePath> referenceOf, int atMost,
        boolean patientReference) {

    /** {@code reference: patient}: the one record named by a word, the Patient of the mapping's {@code patient} mapping. */
    public static final String PATIENT_REFERENCE = "patient";

    /**
     * A reference to a record another mapping of the same source makes ({@code reference: {resource: Patient, prefix: v2,
     * from: [PID-3(5=MR)-1, PID-3(5=MR)-4-1]}}): its id is derived the same way, so an ORU's results point at the Patient
     * the ADT mapping made of the same MRN.
     */
    public record Reference(String resource, String prefix, List<SourcePath> from) {
    }

    /**
     * A duration added to a date-time: its amount and its unit (UCUM or ISO+ {@code s}, {@code min}, {@code h},
     * {@code d}; empty is minutes, as HL7 v2.5.1 says of AIS-8 and SCH-10).
     */
    public record Plus(SourcePath amount, SourcePath unit) {
    }

    /** How a source value is read. */
    public enum ValueType {
        /** as sent */
        STRING,
        /** HL7 DT/DTM to a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD): the date as the sender wrote it; a time is ignored */
        DATE,
        /** HL7 DTM to a FHIR dateTime with its offset: a time without one is read in the mapping's zone */
        DATE_TIME
    }

    /** A repeating group: over the segments of a name, or over the repetitions of a field. */
    public record Each(String segment, SourcePath field) {
        public String text() {
            return field == null ? segment : field.text();
        }
    }

    /** A rule applies only when its path's value equals one of the values (or, with {@code present}, holds any or none). */
    public record Condition(SourcePath path, List<String> values, boolean negate, Boolean present) {
    }

    /** How the rule is named in errors: its target and the first path it reads. */
    public String describe() {
        if (refuse != null) {
            return "'refuse' (" + when.path().text() + ")";
        }
        String from = each != null ? "each " + each.text() : reference != null ? "reference " + reference.resource()
                : !sources.isEmpty() ? sources.get(0).text() : !concat.isEmpty() ? concat.get(0).text()
                : patientReference ? "reference " + PATIENT_REFERENCE : !referenceOf.isEmpty() ? referenceOf.get(0).text() : "value";
        return "'" + target + "' (" + from + ")";
    }
}
