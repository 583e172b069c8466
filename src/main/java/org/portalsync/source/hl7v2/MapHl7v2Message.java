package org.portalsync.source.hl7v2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.model.Segment;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;

/**
 * Applies a {@link MappingFile} to one {@link Hl7v2Message}: builds its FHIR resource with HAPI's model,
 * derives the resource id from the message's identifiers, and lists what it left unread. A message the
 * mapping cannot use (a required value missing, a date that is not one, a local time the mapping's zone
 * skips or repeats) is an {@link Hl7v2MessageException} naming the field and the problem.
 */
public final class MapHl7v2Message {

    private static final Pattern HL7_TIME = Pattern.compile(
            "(\\d{4})(\\d{2})?(\\d{2})?(?:(\\d{2})(\\d{2})?(\\d{2})?(?:\\.(\\d{1,4}))?)?([+-]\\d{4})?");
    private static final DateTimeFormatter FHIR_DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");

    private final FhirContext fhir;

    public MapHl7v2Message(FhirContext fhir) {
        this.fhir = fhir;
    }

    public MappedMessage map(MappingFile mapping, Hl7v2Message message) {
        return map(mapping, null, message);
    }

    /**
     * @param patientMapping the mapping the first names by its {@code patient} key (it makes the message's Patient, with
     *                       the same id as an ADT message of that person gets); null when it names none
     */
    public MappedMessage map(MappingFile mapping, MappingFile patientMapping, Hl7v2Message message) {
        Scope root = new Scope(Map.of(), null, -1);
        List<MappedMessage.UnmappedCode> codes = new ArrayList<>();
        IBaseResource patient = null;
        Set<String> read = new HashSet<>(mapping.readFields());
        Set<String> ignored = new HashSet<>(mapping.ignored());
        if (patientMapping != null) {
            patient = build(patientMapping, null, message, root, codes);
            read.addAll(patientMapping.readFields());
            ignored.addAll(patientMapping.ignored());
        }
        String patientReference = patient == null ? null : patient.fhirType() + "/" + patient.getIdElement().getIdPart();
        if (mapping.each() == null) {
            IBaseResource resource = build(mapping, patientReference, message, root, codes);
            return new MappedMessage(mapping, resource, patient, unmapped(read, ignored, message), List.copyOf(codes));
        }
        // one resource per segment (each OBX a result), all or none: a message is never half taken
        List<Segment> items = message.segments(mapping.each());
        if (items.isEmpty()) {
            throw new Hl7v2MessageException(mapping.each(), "required: the mapping makes one " + mapping.resourceType() + " of each "
                    + mapping.each() + ", and the message has none", ErrorCode.REQUIRED_FIELD_MISSING);
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
        Map<String, Integer> ids = new HashMap<>();
        for (int n = 1; n <= items.size(); n++) {
            Scope scope = Scope.around(message, items.get(n - 1));
            try {
                IBaseResource resource = fhir.getResourceDefinition(mapping.resourceType()).newInstance();
                String id = id(mapping, message, scope);
                Integer earlier = ids.putIfAbsent(id, n);
                if (earlier != null) {
                    throw new Hl7v2MessageException(mapping.idParts().get(mapping.idParts().size() - 1).text(), "the same id as "
                            + mapping.each() + " number " + earlier + " (" + String.join(", ", mapping.idParts().stream().map(SourcePath::text)
                            .toList()) + "): two " + mapping.resourceType() + "s cannot be told apart", ErrorCode.DUPLICATE_KEY_IDENTIFIER);
                }
                resource.setId(id);
                apply(mapping, mapping.rules(), message, scope, resource, codes, patientReference);
                bundle.addEntry().setResource((Resource) resource);
            } catch (Hl7v2MessageException e) {
                throw new Hl7v2MessageException(e.location(), e.problem() + " (in " + mapping.each() + " number " + n + " of the message)",
                        e.code());
            }
        }
        return new MappedMessage(mapping, bundle, patient, unmapped(read, ignored, message), List.copyOf(codes));
    }

    private IBaseResource build(MappingFile mapping, String patientReference, Hl7v2Message message, Scope root,
            List<MappedMessage.UnmappedCode> codes) {
        IBaseResource resource = fhir.getResourceDefinition(mapping.resourceType()).newInstance();
        resource.setId(id(mapping, message, root));
        apply(mapping, mapping.rules(), message, root, resource, codes, patientReference);
        return resource;
    }

    /**
     * The id: the mapping's prefix and a SHA-256 of its source name and the id paths' values, so that the same
     * patient sent again (A04, then A08) is the same resource, and two sources' equal MRNs are not. A mapping that
     * makes one resource per segment ({@code each}) needs every id path to hold a value: its resources must differ.
     */
    static String id(MappingFile mapping, Hl7v2Message message, Scope root) {
        return hashedId(mapping.source(), mapping.idPrefix(), mapping.idParts(), message, root, mapping.each() != null,
                "(" + mapping.file() + ":" + mapping.idLine() + ")");
    }

    /** The reference of the record that a rule's {@code reference-of} values identify, by the mapping's id rule. */
    private static String referenceOf(MappingFile mapping, MappingRule rule, Hl7v2Message message, Scope scope) {
        if (rule.referenceOf().size() != mapping.idParts().size()) {
            throw new Hl7v2MessageException(rule.referenceOf().get(0).text(), "reference-of names " + rule.referenceOf().size()
                    + " paths, id.from " + mapping.idParts().size() + " (" + mapping.file() + ":" + rule.line() + ")",
                    ErrorCode.APPLICATION_INTERNAL_ERROR);
        }
        return mapping.resourceType() + "/" + hashedId(mapping.source(), mapping.idPrefix(), rule.referenceOf(), message, scope, false,
                "(" + mapping.file() + ":" + rule.line() + ")");
    }

    private static String hashedId(String source, String prefix, List<SourcePath> parts, Hl7v2Message message, Scope scope,
            boolean allRequired, String where) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            SourcePath part = parts.get(i);
            String value = value(message, scope, part);
            if ((i == 0 || allRequired) && value.isEmpty()) {
                throw new Hl7v2MessageException(part.text(), "required: the record's id is derived from it " + where,
                        ErrorCode.REQUIRED_FIELD_MISSING);
            }
            values.add(value);
        }
        return stableId(source, prefix, values);
    }

    /** {@code <prefix>-} and the first 40 hex digits of a SHA-256 of the source name and the values, one per line. */
    public static String stableId(String source, String prefix, List<String> values) {
        StringBuilder key = new StringBuilder(source);
        for (String value : values) {
            key.append('\n').append(value);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.toString().getBytes(StandardCharsets.UTF_8));
            return prefix + "-" + HexFormat.of().formatHex(hash).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private void apply(MappingFile mapping, List<MappingRule> rules, Hl7v2Message message, Scope scope, IBase element,
            List<MappedMessage.UnmappedCode> codes, String patientReference) {
        for (MappingRule rule : rules) {
            if (rule.when() != null && !holds(rule.when(), message, scope)) {
                continue;
            }
            if (rule.refuse() != null) {
                throw new Hl7v2MessageException(rule.when().path().text(), rule.refuse() + " (" + mapping.file() + ":" + rule.line() + ")",
                        ErrorCode.DATA_TYPE_ERROR);
            }
            if (rule.each() != null) {
                each(mapping, rule, message, scope, element, codes, patientReference);
            } else {
                write(mapping, rule, message, scope, element, codes, patientReference);
            }
        }
    }

    private void each(MappingFile mapping, MappingRule rule, Hl7v2Message message, Scope scope, IBase element,
            List<MappedMessage.UnmappedCode> codes, String patientReference) {
        int attached = 0;
        List<Scope> items = items(rule.each(), message, scope);
        if (rule.atMost() > 0 && items.size() > rule.atMost()) {
            throw new Hl7v2MessageException(rule.each().text(), items.size() + " " + (rule.each().segment() != null ? "segments" : "repetitions")
                    + ", but the mapping takes at most " + rule.atMost() + " (" + mapping.file() + ":" + rule.line() + ")",
                    ErrorCode.SEGMENT_SEQUENCE_ERROR);
        }
        for (Scope item : items) {
            IBase child = rule.fhirTarget().newElement();
            apply(mapping, rule.rules(), message, item, child, codes, patientReference);
            if (!child.isEmpty()) {
                rule.fhirTarget().attach(element, child);
                attached++;
            }
        }
        if (rule.required() && attached == 0) {
            throw new Hl7v2MessageException(rule.each().text(), "required: no " + (rule.each().segment() != null ? "segment" : "repetition")
                    + " gave a " + rule.target(), ErrorCode.REQUIRED_FIELD_MISSING);
        }
    }

    private static List<Scope> items(MappingRule.Each each, Hl7v2Message message, Scope scope) {
        List<Scope> items = new ArrayList<>();
        if (each.segment() != null) {
            for (Segment segment : message.segments(each.segment())) {
                items.add(scope.with(segment));
            }
            return items;
        }
        Segment segment = scope.segment(message, each.field().segment());
        if (segment != null) {
            for (int rep = 0; rep < Hl7v2Message.repetitions(segment, each.field().field()); rep++) {
                items.add(scope.with(segment).at(each.field().fieldName(), rep));
            }
        }
        return items;
    }

    private void write(MappingFile mapping, MappingRule rule, Hl7v2Message message, Scope scope, IBase element,
            List<MappedMessage.UnmappedCode> codes, String patientReference) {
        String location = rule.reference() != null ? rule.reference().from().get(0).text() : rule.sources().isEmpty()
                ? rule.concat().isEmpty() ? rule.target() : rule.concat().get(0).text() : rule.sources().get(0).text();
        if (rule.patientReference() && patientReference == null) {
            throw new Hl7v2MessageException(location, "reference: patient, but no Patient was made of the message (" + mapping.file() + ":"
                    + rule.line() + ")", ErrorCode.APPLICATION_INTERNAL_ERROR);
        }
        String raw = rule.patientReference() ? patientReference : rule.reference() != null ? reference(mapping, rule, message, scope)
                : !rule.referenceOf().isEmpty() ? referenceOf(mapping, rule, message, scope) : raw(rule, message, scope);
        writeValue(mapping, rule, location, raw, element, codes,
                rule.plus() == null ? null : start -> plus(rule.plus(), start, location, message, scope));
    }

    /**
     * Writes a rule's value read from the source (any source: an HL7 v2 message, an XML record): the default when it is
     * empty (or a refusal when the rule is required), the table, the type, the prefix and the split, then the element.
     */
    public static void writeValue(MappingFile mapping, MappingRule rule, String location, String raw, IBase element,
            List<MappedMessage.UnmappedCode> codes) {
        writeValue(mapping, rule, location, raw, element, codes, null);
    }

    /**
     * @param plus adds the rule's duration ({@code plus}) to a converted date-time, null when there is no value to add
     *             (the value is then left out); null when the rule has no {@code plus}
     */
    private static void writeValue(MappingFile mapping, MappingRule rule, String location, String raw, IBase element,
            List<MappedMessage.UnmappedCode> codes, UnaryOperator<String> plus) {
        boolean fromDefault = false;
        if (raw.isEmpty()) {
            if (rule.defaultValue() == null) {
                if (rule.required()) {
                    throw new Hl7v2MessageException(location, "required for " + rule.target() + ", but empty", ErrorCode.REQUIRED_FIELD_MISSING);
                }
                return;
            }
            raw = rule.defaultValue();
            fromDefault = true;
        }
        List<String> values = rule.split() == null || fromDefault ? List.of(raw)
                : List.of(raw.split(Pattern.quote(rule.split()))).stream().map(String::strip).filter(v -> !v.isEmpty()).toList();
        for (String value : values) {
            String converted = value;
            if (!fromDefault && rule.table() != null) {
                converted = mapping.tables().get(rule.table()).get(value);
                if (converted == null) {
                    codes.add(new MappedMessage.UnmappedCode(location, value, rule.table(), mapping.file() + ":" + rule.line()));
                    if (rule.defaultValue() == null) {
                        continue;
                    }
                    converted = rule.defaultValue();
                }
            } else if (!fromDefault && rule.reference() == null && !rule.patientReference() && rule.referenceOf().isEmpty()) {
                converted = convert(rule.type(), value, location, mapping);
                if (plus != null) {
                    converted = plus.apply(converted);
                    if (converted == null) {
                        continue;
                    }
                }
            }
            if (rule.prefix() != null && !fromDefault) {
                converted = rule.prefix() + converted;
            }
            boolean written;
            try {
                // a date-time keeps the zone it was read in (FHIR's tz-code extension): the portal shows it in that zone
                written = rule.fhirTarget().write(element, converted,
                        rule.type() == MappingRule.ValueType.DATE_TIME && !fromDefault ? mapping.zone().getId() : null);
            } catch (DataFormatException | IllegalArgumentException e) {
                throw new Hl7v2MessageException(location, "its value does not fit FHIR " + mapping.resourceType() + "." + rule.target(),
                        ErrorCode.DATA_TYPE_ERROR);
            }
            if (!written) {
                throw new Hl7v2MessageException(location, "two rules write " + mapping.resourceType() + "." + rule.target() + " ("
                        + mapping.file() + ":" + rule.line() + "); make their conditions exclusive", ErrorCode.APPLICATION_INTERNAL_ERROR);
            }
        }
    }

    private static String raw(MappingRule rule, Hl7v2Message message, Scope scope) {
        if (rule.constant() != null) {
            return rule.constant();
        }
        if (!rule.concat().isEmpty()) {
            List<String> parts = rule.concat().stream().map(path -> value(message, scope, path)).filter(v -> !v.isEmpty()).toList();
            return String.join(rule.separator(), parts);
        }
        for (SourcePath path : rule.sources()) {
            String value = value(message, scope, path);
            if (!value.isEmpty()) {
                return value;
            }
        }
        return "";
    }

    /** e.g. {@code Patient/v2-3f2a...}: the id the referred mapping derives from the same values; "" when its first path is empty. */
    private static String reference(MappingFile mapping, MappingRule rule, Hl7v2Message message, Scope scope) {
        MappingRule.Reference reference = rule.reference();
        if (value(message, scope, reference.from().get(0)).isEmpty()) {
            return "";
        }
        return reference.resource() + "/" + hashedId(mapping.source(), reference.prefix(), reference.from(), message, scope, false, "");
    }

    private static boolean holds(MappingRule.Condition condition, Hl7v2Message message, Scope scope) {
        String value = value(message, scope, condition.path());
        if (condition.present() != null) {
            return condition.present() != value.isEmpty();
        }
        return condition.values().contains(value) != condition.negate();
    }

    static String value(Hl7v2Message message, Scope scope, SourcePath path) {
        Segment segment = scope.segment(message, path.segment());
        if (segment == null) {
            return "";
        }
        int rep;
        if (path.repetition() >= 0) {
            rep = path.repetition();
        } else if (path.selectorComponent() > 0) {
            rep = Hl7v2Message.repetitionWhere(segment, path.field(), path.selectorComponent(), path.selectorValue());
        } else if (path.fieldName().equals(scope.field())) {
            rep = scope.rep();
        } else {
            rep = 0;
        }
        return Hl7v2Message.read(segment, path.field(), rep, path.component(), path.subcomponent());
    }

    /** HL7 DT/DTM to FHIR; see {@link MappingRule.ValueType}. */
    public static String convert(MappingRule.ValueType type, String value, String location, MappingFile mapping) {
        if (type == MappingRule.ValueType.STRING) {
            return value;
        }
        Matcher time = HL7_TIME.matcher(value);
        if (!time.matches()) {
            throw new Hl7v2MessageException(location, "not an HL7 " + (type == MappingRule.ValueType.DATE ? "date (YYYY[MM[DD]])"
                    : "date-time (YYYY[MM[DD[HH[MM[SS]]]]][+/-ZZZZ])"), ErrorCode.DATA_TYPE_ERROR);
        }
        String year = time.group(1);
        String month = time.group(2);
        String day = time.group(3);
        try {
            LocalDate.of(Integer.parseInt(year), month == null ? 1 : Integer.parseInt(month), day == null ? 1 : Integer.parseInt(day));
        } catch (DateTimeException e) {
            throw new Hl7v2MessageException(location, "not a calendar date", ErrorCode.DATA_TYPE_ERROR);
        }
        String date = year + (month == null ? "" : "-" + month + (day == null ? "" : "-" + day));
        if (type == MappingRule.ValueType.DATE || time.group(4) == null) {
            return date;
        }
        if (day == null) {
            throw new Hl7v2MessageException(location, "a time without a full date", ErrorCode.DATA_TYPE_ERROR);
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.of(Integer.parseInt(year), Integer.parseInt(month), Integer.parseInt(day), Integer.parseInt(time.group(4)),
                    time.group(5) == null ? 0 : Integer.parseInt(time.group(5)), time.group(6) == null ? 0 : Integer.parseInt(time.group(6)));
        } catch (DateTimeException e) {
            throw new Hl7v2MessageException(location, "not a valid time of day", ErrorCode.DATA_TYPE_ERROR);
        }
        ZoneOffset offset;
        if (time.group(8) != null) {
            String sign = time.group(8);
            try {
                offset = ZoneOffset.ofHoursMinutes(Integer.parseInt(sign.substring(0, 3)),
                        (sign.startsWith("-") ? -1 : 1) * Integer.parseInt(sign.substring(3)));
            } catch (DateTimeException e) {
                throw new Hl7v2MessageException(location, "not a valid UTC offset", ErrorCode.DATA_TYPE_ERROR);
            }
        } else {
            List<ZoneOffset> offsets = mapping.zone().getRules().getValidOffsets(local);
            if (offsets.isEmpty()) {
                throw new Hl7v2MessageException(location, "the local time falls in the daylight-saving gap of " + mapping.zone()
                        + " (that time never happened there); the sender must give a UTC offset", ErrorCode.DATA_TYPE_ERROR);
            }
            if (offsets.size() > 1) {
                throw new Hl7v2MessageException(location, "the local time is ambiguous: it happened twice in " + mapping.zone()
                        + " (daylight-saving overlap); the sender must give a UTC offset", ErrorCode.DATA_TYPE_ERROR);
            }
            offset = offsets.get(0);
        }
        return OffsetDateTime.of(local, offset).format(FHIR_DATE_TIME);
    }

    /**
     * A date-time and a duration: the end of an appointment from its start (AIS-4 and AIS-7, AIS-8). Without an amount
     * there is no value (null); a unit that is no time unit refuses the message.
     */
    private static String plus(MappingRule.Plus plus, String dateTime, String location, Hl7v2Message message, Scope scope) {
        String amount = value(message, scope, plus.amount());
        if (amount.isEmpty()) {
            return null;
        }
        String unit = plus.unit() == null ? "" : value(message, scope, plus.unit()).toLowerCase(Locale.ROOT);
        ChronoUnit chrono = switch (unit) {
            case "", "min", "minutes" -> ChronoUnit.MINUTES;
            case "s", "sec", "seconds" -> ChronoUnit.SECONDS;
            case "h", "hr", "hours" -> ChronoUnit.HOURS;
            case "d", "days" -> ChronoUnit.DAYS;
            default -> throw new Hl7v2MessageException(plus.unit().text(), "not a unit of time (s, min, h or d)", ErrorCode.DATA_TYPE_ERROR);
        };
        long count;
        try {
            count = Long.parseLong(amount);
        } catch (NumberFormatException e) {
            throw new Hl7v2MessageException(plus.amount().text(), "not a whole number", ErrorCode.DATA_TYPE_ERROR);
        }
        if (!dateTime.contains("T")) {
            throw new Hl7v2MessageException(location, "a date without a time of day cannot take a duration", ErrorCode.DATA_TYPE_ERROR);
        }
        return OffsetDateTime.parse(dateTime, FHIR_DATE_TIME).plus(count, chrono).format(FHIR_DATE_TIME);
    }

    private static List<String> unmapped(Set<String> read, Set<String> ignored, Hl7v2Message message) {
        List<String> unmapped = new ArrayList<>();
        for (String entry : message.presentFields()) {
            int dash = entry.indexOf('-');
            String segment = dash < 0 ? entry : entry.substring(0, dash);
            if (ignored.contains(segment) || ignored.contains(entry)) {
                continue;
            }
            if (dash < 0 ? !read.contains(segment) : read.contains(segment) && !read.contains(entry)) {
                unmapped.add(entry);
            }
        }
        return List.copyOf(unmapped);
    }

    /** Where rules read: the segment of each name a group is on (else the message's first), and the field repetition it is on. */
    record Scope(Map<String, Segment> segments, String field, int rep) {

        Segment segment(Hl7v2Message message, String name) {
            Segment bound = segments.get(name);
            if (bound != null) {
                return bound;
            }
            List<Segment> all = message.segments(name);
            return all.isEmpty() ? null : all.get(0);
        }

        /**
         * The scope of one segment a mapping makes a resource of: for each other segment name, the nearest one before it
         * (an OBX's own OBR, ORC and PID), else the message's first.
         */
        static Scope around(Hl7v2Message message, Segment item) {
            Map<String, Segment> bound = new HashMap<>();
            for (Segment segment : message.segments()) {
                if (segment == item) {
                    break;
                }
                bound.put(segment.getName(), segment);
            }
            bound.put(item.getName(), item);
            return new Scope(Map.copyOf(bound), null, -1);
        }

        Scope with(Segment segment) {
            Map<String, Segment> bound = new HashMap<>(segments);
            bound.put(segment.getName(), segment);
            return new Scope(Map.copyOf(bound), field, rep);
        }

        Scope at(String fieldName, int repetition) {
            return new Scope(segments, fieldName, repetition);
        }
    }
}
