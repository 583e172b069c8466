package org.portalsync.source.hl7v2;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Group;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.Structure;
import ca.uhn.hl7v2.model.Type;
import ca.uhn.hl7v2.util.Terser;

/**
 * One message read by {@link Hl7v2Reader}, seen as its segments in order: what mapping rules read
 * ({@link #value}) and what the unmapped-fields report walks ({@link #presentFields}).
 */
public final class Hl7v2Message {

    private final Message message;
    private final List<Segment> segments;

    public Hl7v2Message(Message message) {
        this.message = message;
        this.segments = new ArrayList<>();
        collect(message, segments);
    }

    public Message hapiMessage() {
        return message;
    }

    /** MSH-9-1, e.g. {@code ADT} */
    public String type() {
        return header(9, 1);
    }

    /** MSH-9-2, e.g. {@code A04} */
    public String event() {
        return header(9, 2);
    }

    /** MSH-10, the sender's message control id */
    public String controlId() {
        return header(10, 1);
    }

    /** MSH-3 and MSH-4 (their first components), e.g. {@code ADT1^GOOD HEALTH HOSPITAL}: who a control id is unique for */
    public String sender() {
        return header(3, 1) + "^" + header(4, 1);
    }

    /** The value of a field of MSH, "" when absent. */
    public String header(int field, int component) {
        List<Segment> msh = segments("MSH");
        return msh.isEmpty() ? "" : read(msh.get(0), field, 0, component, 1);
    }

    /** Every segment with this name, in message order. */
    public List<Segment> segments(String name) {
        return segments.stream().filter(segment -> segment.getName().equals(name)).toList();
    }

    /** Every segment, in message order. */
    public List<Segment> segments() {
        return List.copyOf(segments);
    }

    /** How many repetitions a field has in a segment (0 when it is empty). */
    public static int repetitions(Segment segment, int field) {
        if (field > segment.numFields()) {
            return 0;
        }
        try {
            return segment.getField(field).length;
        } catch (HL7Exception e) {
            return 0;
        }
    }

    /** Index of the first repetition whose component holds the value, -1 when none does. */
    public static int repetitionWhere(Segment segment, int field, int component, String value) {
        for (int rep = 0; rep < repetitions(segment, field); rep++) {
            if (value.equals(read(segment, field, rep, component, 1))) {
                return rep;
            }
        }
        return -1;
    }

    /** A component's value (HAPI unescapes \T\ and the like), "" when absent. */
    public static String read(Segment segment, int field, int rep, int component, int subcomponent) {
        if (rep < 0 || rep >= repetitions(segment, field)) {
            return "";
        }
        try {
            String value = Terser.get(segment, field, rep, Math.max(component, 1), Math.max(subcomponent, 1));
            return value == null ? "" : value.strip();
        } catch (HL7Exception | RuntimeException e) {
            throw new Hl7v2MessageException(segment.getName() + "-" + field, "the field cannot be read", ErrorCode.DATA_TYPE_ERROR);
        }
    }

    /**
     * The fields holding a value, as {@code SEG-n}, and for each segment its name, in message order. MSH is the
     * engine's own (routing, the ACK) and is not listed.
     */
    public Set<String> presentFields() {
        Set<String> present = new LinkedHashSet<>();
        for (Segment segment : segments) {
            if (segment.getName().equals("MSH")) {
                continue;
            }
            for (int field = 1; field <= segment.numFields(); field++) {
                if (hasValue(segment, field)) {
                    present.add(segment.getName());
                    present.add(segment.getName() + "-" + field);
                }
            }
        }
        return present;
    }

    private static boolean hasValue(Segment segment, int field) {
        try {
            for (Type type : segment.getField(field)) {
                if (!type.isEmpty() && !type.encode().isBlank()) {
                    return true;
                }
            }
            return false;
        } catch (HL7Exception e) {
            return false;
        }
    }

    private static void collect(Group group, List<Segment> out) {
        for (String name : group.getNames()) {
            Structure[] all;
            try {
                all = group.getAll(name);
            } catch (HL7Exception e) {
                continue;
            }
            for (Structure structure : all) {
                if (structure instanceof Segment segment) {
                    if (!isEmpty(segment)) {
                        out.add(segment);
                    }
                } else if (structure instanceof Group child) {
                    collect(child, out);
                }
            }
        }
    }

    private static boolean isEmpty(Segment segment) {
        try {
            return segment.isEmpty();
        } catch (HL7Exception e) {
            return true;
        }
    }
}
