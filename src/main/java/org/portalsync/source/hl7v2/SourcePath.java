package org.portalsync.source.hl7v2;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in an HL7 v2 message, as a mapping file names it: {@code PID-5-1} (segment, field, component),
 * {@code PID-5-1-1} (and subcomponent), {@code PID-3(1)-1} (the second repetition: 0-based, as HAPI's
 * {@code Terser} counts) or {@code PID-3(5=MR)-1} (the repetition whose component 5 is {@code MR}).
 * Inside a repeating group ({@code each}) a path on the group's segment or field means the current one.
 *
 * @param repetition  the repetition asked for, or -1 when none is named (the group's current one, else the first)
 * @param selectorComponent 0 when the path has no {@code (c=value)} selector
 * @param component   0 when the path names the whole field (its first component is read)
 * @param subcomponent 0 when the path names no subcomponent
 */
public record SourcePath(String text, String segment, int field, int repetition, int selectorComponent, String selectorValue,
        int component, int subcomponent) {

    private static final Pattern SYNTAX = Pattern.compile(
            "([A-Z][A-Z0-9]{2})-(\\d{1,3})(?:\\((\\d{1,3})\\)|\\((\\d{1,3})=([^)]+)\\))?(?:-(\\d{1,3})(?:-(\\d{1,3}))?)?");
    private static final Pattern SEGMENT = Pattern.compile("[A-Z][A-Z0-9]{2}");

    /** @throws IllegalArgumentException saying what the syntax is */
    public static SourcePath parse(String text) {
        String path = text == null ? "" : text.strip();
        Matcher matcher = SYNTAX.matcher(path);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + path + "' is not an HL7 v2 field path; write SEG-field[-component[-subcomponent]], "
                    + "e.g. PID-5-1, PID-3(1)-1 or PID-3(5=MR)-1");
        }
        int field = Integer.parseInt(matcher.group(2));
        int component = number(matcher.group(6));
        int subcomponent = number(matcher.group(7));
        int selector = number(matcher.group(4));
        if (field == 0 || (matcher.group(6) != null && component == 0) || (matcher.group(7) != null && subcomponent == 0)
                || (matcher.group(4) != null && selector == 0)) {
            throw new IllegalArgumentException("'" + path + "': fields, components and subcomponents count from 1");
        }
        return new SourcePath(path, matcher.group(1), field, matcher.group(3) == null ? -1 : Integer.parseInt(matcher.group(3)),
                selector, matcher.group(5), component, subcomponent);
    }

    /**
     * A path of an XML source's mapping ({@code soap} in the file): an XPath relative to the record (or to the node a
     * group is on), checked by the mapping reader; the HL7 v2 parts are unused.
     */
    public static SourcePath xml(String xpath) {
        return new SourcePath(xpath.strip(), "", 0, -1, 0, null, 0, 0);
    }

    /** Whether this is an XPath of an XML source's mapping. */
    public boolean isXml() {
        return segment.isEmpty();
    }

    /** Whether the text names a whole segment ({@code NK1}), as an {@code each} over segments does. */
    public static boolean isSegmentName(String text) {
        return text != null && SEGMENT.matcher(text.strip()).matches();
    }

    /** e.g. {@code PID-3}: the field this path reads, the unit the unmapped-fields report counts in. */
    public String fieldName() {
        return segment + "-" + field;
    }

    /** Whether the path names the field itself (no component), as an {@code each} over repetitions does. */
    public boolean isWholeField() {
        return component == 0 && repetition < 0 && selectorComponent == 0;
    }

    private static int number(String digits) {
        return digits == null ? 0 : Integer.parseInt(digits);
    }

    @Override
    public String toString() {
        return text;
    }
}
