package org.portalsync.source.hl7v2;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import org.portalsync.config.ConfigurationException;
import org.portalsync.source.hl7v2.MappingRule.Condition;
import org.portalsync.source.hl7v2.MappingRule.Each;
import org.portalsync.source.hl7v2.MappingRule.Reference;
import org.portalsync.source.hl7v2.MappingRule.ValueType;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads one mapping file (README, "Legacy sources: mapping files") into a {@link MappingFile}, checking
 * everything that can be checked before a message arrives: the YAML, every key, each HL7 v2 path against
 * the v2.5.1 segment definitions, each FHIR element against HAPI's R4 model, tables, zones and settings.
 * Anything wrong is a {@link ConfigurationException} naming the file, the line and the rule.
 */
public final class MappingFileReader {

    private static final Set<String> FILE_KEYS = Set.of("mapping", "source", "zone", "messages", "soap", "document", "produces", "each",
            "id", "tables", "rules", "patient", "senders", "ignore");
    private static final Set<String> RULE_KEYS = Set.of("target", "source", "sources", "concat", "separator", "value", "default", "map",
            "type", "prefix", "split", "when", "required", "each", "rules", "reference", "refuse", "plus", "reference-of", "at-most");
    private static final Set<String> CONDITION_KEYS = Set.of("path", "equals", "in", "not-equals", "not-in", "present");
    private static final Pattern SETTING = Pattern.compile("\\{\\{([^}]+)}}");
    private static final Pattern ID_PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,20}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final FhirContext fhir;
    private final Function<String, Optional<String>> settings;
    private String file;
    private Map<String, Map<String, String>> tables;
    private Set<String> readFields;
    /** The namespaces of an XML source's XPaths; null for an HL7 v2 mapping. */
    private Map<String, String> xmlNamespaces;
    private String patientMapping;
    private int idPartCount;

    /** @param settings resolves the {@code {{portal-sync.*}}} placeholders a mapping's values may hold */
    public MappingFileReader(FhirContext fhir, Function<String, Optional<String>> settings) {
        this.fhir = fhir;
        this.settings = settings;
    }

    /** @param fileName as errors name it, e.g. {@code config/mappings/hl7v2-adt-patient.yaml} */
    public synchronized MappingFile read(String fileName, String text) {
        this.file = fileName;
        this.tables = new LinkedHashMap<>();
        this.readFields = new LinkedHashSet<>();
        this.xmlNamespaces = null;
        this.patientMapping = null;
        try {
            Optional<Node> document = new Compose(LoadSettings.builder().setLabel(fileName).build()).composeString(text);
            if (document.isEmpty()) {
                throw new ConfigurationException(fileName + ":1: the file is empty; a mapping needs at least messages, produces, id and rules");
            }
            return mappingFile(document.get());
        } catch (MarkedYamlEngineException e) {
            throw new ConfigurationException(fileName + ":" + e.getProblemMark().map(m -> m.getLine() + 1).orElse(0) + ": not valid YAML: "
                    + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ConfigurationException(fileName + ": not valid YAML: " + e.getMessage());
        }
    }

    private MappingFile mappingFile(Node root) {
        Map<String, NodeTuple> keys = keys(root, FILE_KEYS, "the file");
        String stem = file.replaceAll(".*[/\\\\]", "").replaceAll("\\.ya?ml$", "");
        String name = keys.containsKey("mapping") ? scalar(keys.get("mapping").getValueNode(), "mapping") : stem;
        String source = scalar(required(keys, "source", root, "the source name its records are stored under, e.g. legacy-adt"), "source");
        if (!NAME.matcher(source).matches()) {
            throw error(keys.get("source").getValueNode(), "source '" + source + "' must be letters, digits, '.', '_' or '-' (at most 64)");
        }
        Node zoneNode = required(keys, "zone", root, "the IANA zone of the sender's local times, e.g. America/New_York");
        ZoneId zone = zone(zoneNode);
        if (keys.containsKey("soap") && keys.containsKey("document")) {
            throw error(keys.get("document").getKeyNode(), "a mapping takes a SOAP operation's records or document files, not both");
        }
        MappingFile.Soap soap = keys.containsKey("soap") ? soap(keys.get("soap").getValueNode()) : null;
        MappingFile.Document document = keys.containsKey("document") ? document(keys.get("document").getValueNode()) : null;
        boolean xml = soap != null || document != null;
        if (xml && keys.containsKey("messages")) {
            throw error(keys.get("messages").getKeyNode(), "a mapping takes HL7 v2 messages, a SOAP operation's records or document "
                    + "files: one of them");
        }
        List<MappingFile.Accepts> accepts = xml ? List.of() : accepts(required(keys, "messages", root,
                "the message types and trigger events it takes (or soap: for a SOAP source, document: for document files)"));
        if (xml && keys.containsKey("senders")) {
            throw error(keys.get("senders").getKeyNode(), "senders names HL7 v2 senders (MSH-3, MSH-4); a " + (soap != null
                    ? "SOAP mapping serves its one service" : "document mapping takes the files its document.files names"));
        }
        List<MappingFile.Sender> senders = keys.containsKey("senders") ? senders(keys.get("senders").getValueNode())
                : MappingFile.EVERY_SENDER;
        String produces = scalar(required(keys, "produces", root, "the FHIR resource it produces, e.g. Patient"), "produces");
        RuntimeResourceDefinition resource;
        try {
            resource = fhir.getResourceDefinition(produces);
        } catch (RuntimeException e) {
            throw error(keys.get("produces").getValueNode(), "'" + produces + "' is not a FHIR R4 resource type");
        }
        if (keys.containsKey("tables")) {
            readTables(keys.get("tables").getValueNode());
        }
        String each = null;
        if (keys.containsKey("each") && xml) {
            throw error(keys.get("each").getKeyNode(), "a " + (soap != null ? "SOAP" : "document") + " mapping makes one resource per "
                    + "record (" + (soap != null ? "soap" : "document") + ".records); each at the top is for HL7 v2 segments");
        }
        if (keys.containsKey("each")) {
            Node eachNode = keys.get("each").getValueNode();
            each = scalar(eachNode, "each");
            try {
                if (!SourcePath.isSegmentName(each)) {
                    throw new IllegalArgumentException("'" + each + "': each (at the top of the file) names a segment, e.g. OBX: one "
                            + produces + " per segment");
                }
                V251Segments.checkSegment(each);
            } catch (IllegalArgumentException e) {
                throw error(eachNode, e.getMessage());
            }
            readFields.add(each);
        }
        Node idNode = required(keys, "id", root, "how the resource id is derived from the message (id: {from: [PID-3(5=MR)-1]})");
        Map<String, NodeTuple> id = keys(idNode, Set.of("from", "prefix"), "id");
        if (!id.containsKey("from")) {
            throw error(idNode, "id needs 'from': the paths whose values identify the record, e.g. [PID-3(5=MR)-1, PID-3(5=MR)-4-1]");
        }
        List<SourcePath> idParts = paths(id.get("from").getValueNode(), "id.from");
        if (idParts.isEmpty()) {
            throw error(idNode, "id.from names no path");
        }
        String prefix = id.containsKey("prefix") ? scalar(id.get("prefix").getValueNode(), "id.prefix") : "v2";
        if (!ID_PREFIX.matcher(prefix).matches()) {
            throw error(id.get("prefix").getValueNode(), "id.prefix '" + prefix + "' must be letters, digits, '.' or '-' (at most 21)");
        }
        String patient = null;
        if (keys.containsKey("patient")) {
            patient = scalar(keys.get("patient").getValueNode(), "patient");
            if (produces.equals("Patient")) {
                throw error(keys.get("patient").getValueNode(), "patient names the mapping that makes the message's Patient; this mapping "
                        + "makes Patients itself");
            }
        }
        this.patientMapping = patient;
        this.idPartCount = idParts.size();
        List<MappingRule> rules = rules(required(keys, "rules", root, "the field rules"), resource, null, produces);
        Set<String> ignored = keys.containsKey("ignore") ? ignored(keys.get("ignore"), xml) : Set.of();
        return new MappingFile(file, name, source, zone, accepts, produces, prefix, idParts, line(idNode), Map.copyOf(tables), rules,
                Set.copyOf(readFields), ignored, each, soap, patient, senders, document);
    }

    /**
     * {@code ignore: [EVN, PID-1]}: segments and fields the mapping leaves aside on purpose, so that the digest lists only
     * what nobody decided on. Each must exist in HL7 v2.5.1 (or be a Z-segment); a field is named whole (SEG-n).
     */
    private Set<String> ignored(NodeTuple tuple, boolean soapMapping) {
        if (soapMapping) {
            throw error(tuple.getKeyNode(), "ignore names HL7 v2 segments and fields; a SOAP or document mapping lists what its records "
                    + "hold");
        }
        Set<String> ignored = new LinkedHashSet<>();
        for (Node item : sequence(tuple.getValueNode(), "ignore")) {
            String text = scalar(item, "an ignore entry").strip();
            try {
                if (SourcePath.isSegmentName(text)) {
                    V251Segments.checkSegment(text);
                } else {
                    SourcePath path = SourcePath.parse(text);
                    if (!text.equals(path.fieldName())) {
                        throw new IllegalArgumentException("'" + text + "': ignore names a segment (EVN) or a whole field (PID-1), "
                                + "as the unmapped list does");
                    }
                    V251Segments.check(path);
                }
            } catch (IllegalArgumentException e) {
                throw error(item, "ignore: " + e.getMessage());
            }
            if (readFields.contains(text)) {
                throw error(item, "ignore: " + (text.length() == 3 ? "rules of this mapping read fields of " + text
                        + "; name the fields no rule reads (e.g. " + text + "-1)" : "a rule of this mapping reads " + text));
            }
            ignored.add(text);
        }
        return Set.copyOf(ignored);
    }

    private ZoneId zone(Node node) {
        String text = scalar(node, "zone");
        try {
            if (!ZoneId.getAvailableZoneIds().contains(text)) {
                throw new DateTimeException(text);
            }
            return ZoneId.of(text);
        } catch (DateTimeException e) {
            throw error(node, "zone '" + text + "' is not an IANA zone id; write the sender's region, e.g. America/New_York "
                    + "(a fixed offset would get daylight-saving time wrong)");
        }
    }

    private List<MappingFile.Accepts> accepts(Node node) {
        List<MappingFile.Accepts> accepts = new ArrayList<>();
        for (Node item : sequence(node, "messages")) {
            Map<String, NodeTuple> keys = keys(item, Set.of("type", "events"), "a messages entry");
            String type = scalar(required(keys, "type", item, "the HL7 v2 message type (MSH-9-1), e.g. ADT"), "type");
            Set<String> events = new LinkedHashSet<>();
            for (Node event : sequence(required(keys, "events", item, "the trigger events (MSH-9-2), e.g. [A01, A04]"), "events")) {
                events.add(scalar(event, "an event"));
            }
            accepts.add(new MappingFile.Accepts(type, Set.copyOf(events)));
        }
        if (accepts.isEmpty()) {
            throw error(node, "messages names no message type");
        }
        return List.copyOf(accepts);
    }

    /** {@code senders: [{application: EPIC, facility: NORTH}, {application: CERNER}]}: MSH-3-1 and MSH-4-1, at least one each. */
    private List<MappingFile.Sender> senders(Node node) {
        List<MappingFile.Sender> senders = new ArrayList<>();
        for (Node item : sequence(node, "senders")) {
            Map<String, NodeTuple> keys = keys(item, Set.of("application", "facility"), "a senders entry");
            if (keys.isEmpty()) {
                throw error(item, "a senders entry names the sending application (MSH-3), the sending facility (MSH-4) or both, "
                        + "e.g. {application: EPIC, facility: NORTH}");
            }
            MappingFile.Sender sender = new MappingFile.Sender(
                    keys.containsKey("application") ? scalar(keys.get("application").getValueNode(), "application") : null,
                    keys.containsKey("facility") ? scalar(keys.get("facility").getValueNode(), "facility") : null);
            if (senders.contains(sender)) {
                throw error(item, "sender " + sender + " is listed twice");
            }
            senders.add(sender);
        }
        if (senders.isEmpty()) {
            throw error(node, "senders names no sender; leave the key out for a mapping that serves every sender");
        }
        return List.copyOf(senders);
    }

    private void readTables(Node node) {
        for (NodeTuple table : mapping(node, "tables").getValue()) {
            String name = scalar(table.getKeyNode(), "a table name");
            Map<String, String> codes = new LinkedHashMap<>();
            for (NodeTuple code : mapping(table.getValueNode(), "table " + name).getValue()) {
                codes.put(scalar(code.getKeyNode(), "a code"), scalar(code.getValueNode(), "a code's value"));
            }
            tables.put(name, Map.copyOf(codes));
        }
    }

    /** @param path the FHIR path of the element the rules build ({@code Appointment}, {@code Appointment.participant}), for errors */
    private List<MappingRule> rules(Node node, BaseRuntimeElementCompositeDefinition<?> context, Each group, String path) {
        List<MappingRule> rules = new ArrayList<>();
        Map<String, Integer> unconditionalTargets = new HashMap<>();
        for (Node item : sequence(node, "rules")) {
            MappingRule rule = rule(item, context, group, path);
            if (rule.when() == null && !rule.fhirTarget().isRepeating()) {
                Integer earlier = unconditionalTargets.putIfAbsent(rule.target(), rule.line());
                if (earlier != null) {
                    throw error(item, "rule " + rule.describe() + ": line " + earlier + " already sets " + rule.target()
                            + "; give one rule several paths (sources: [...], first with a value wins) or a condition (when)");
                }
            }
            rules.add(rule);
        }
        requireEveryRequiredElement(node, context, rules.stream().filter(rule -> rule.refuse() == null).map(MappingRule::target).toList(), path);
        return List.copyOf(rules);
    }

    /**
     * Each element FHIR R4 requires (cardinality 1..) of what the rules build has a rule, and so has each element required
     * in an element a dotted target builds ({@code participant.actor} makes a participant, which requires a status):
     * otherwise every message would make a resource the FHIR side refuses, which is found at the first message instead
     * of when the file is dropped in. A rule is all it checks: one whose field is empty in a message leaves the element
     * out of that message's resource.
     */
    private void requireEveryRequiredElement(Node node, BaseRuntimeElementCompositeDefinition<?> context, List<String> targets, String path) {
        for (BaseRuntimeChildDefinition child : context.getChildren()) {
            if (child.getMin() < 1) {
                continue;
            }
            boolean set = targets.stream().anyMatch(target -> context.getChildByName(target.split("\\.", 2)[0]) == child);
            if (!set) {
                String name = child.getElementName();
                throw error(node, "no rule sets " + path + "." + name + ", which FHIR R4 requires (at least " + child.getMin()
                        + "); add one, with a fixed value if the sender has none: {value: ..., target: " + name.replace("[x]", "...") + "}");
            }
        }
        Map<String, List<String>> deeper = new LinkedHashMap<>();
        for (String target : targets) {
            String[] firstAndRest = target.split("\\.", 2);
            if (firstAndRest.length == 2) {
                deeper.computeIfAbsent(firstAndRest[0], first -> new ArrayList<>()).add(firstAndRest[1]);
            }
        }
        deeper.forEach((first, rest) -> {
            if (context.getChildByName(first).getChildByName(first) instanceof BaseRuntimeElementCompositeDefinition<?> element) {
                requireEveryRequiredElement(node, element, rest, path + "." + first);
            }
        });
    }

    private MappingRule rule(Node node, BaseRuntimeElementCompositeDefinition<?> context, Each group, String path) {
        Map<String, NodeTuple> keys = keys(node, RULE_KEYS, "a rule");
        if (keys.containsKey("refuse")) {
            return refusal(node, keys);
        }
        String target = keys.containsKey("target") ? scalar(keys.get("target").getValueNode(), "target") : null;
        String label = "rule '" + (target == null ? "?" : target) + "'";
        if (target == null) {
            throw error(node, label + ": no target; name the FHIR element the value goes to, e.g. name.family");
        }
        FhirTarget fhirTarget;
        try {
            fhirTarget = FhirTarget.resolve(context, target);
        } catch (IllegalArgumentException e) {
            throw error(keys.get("target").getValueNode(), label + ": " + e.getMessage());
        }
        Condition when = keys.containsKey("when") ? condition(keys.get("when").getValueNode(), label) : null;
        boolean required = keys.containsKey("required") && bool(keys.get("required").getValueNode(), label + " required");
        if (keys.containsKey("each")) {
            Node eachNode = keys.get("each").getValueNode();
            String text = scalar(eachNode, "each");
            Each each;
            try {
                if (xmlNamespaces != null) {
                    each = new Each(null, xpath(text));
                } else if (SourcePath.isSegmentName(text)) {
                    V251Segments.checkSegment(text);
                    each = new Each(text, null);
                } else {
                    SourcePath field = SourcePath.parse(text);
                    if (!field.isWholeField()) {
                        throw new IllegalArgumentException("'" + text + "': each repeats over a segment (NK1) or a field's repetitions (PID-3)");
                    }
                    V251Segments.check(field);
                    readFields.add(field.segment());
                    readFields.add(field.fieldName());
                    each = new Each(null, field);
                }
            } catch (IllegalArgumentException e) {
                throw error(eachNode, label + ": " + e.getMessage());
            }
            for (String key : List.of("source", "sources", "concat", "value", "default", "map", "type", "prefix", "split", "reference", "plus",
                    "reference-of")) {
                if (keys.containsKey(key)) {
                    throw error(keys.get(key).getKeyNode(), label + ": a group (each) takes only target, when, required and rules; put '"
                            + key + "' on a rule inside it");
                }
            }
            BaseRuntimeElementCompositeDefinition<?> element;
            try {
                element = fhirTarget.composite();
            } catch (IllegalArgumentException e) {
                throw error(keys.get("target").getValueNode(), label + ": " + e.getMessage());
            }
            if (!keys.containsKey("rules")) {
                throw error(node, label + ": a group (each) needs rules for the elements of each " + target);
            }
            List<MappingRule> rules = rules(keys.get("rules").getValueNode(), element, each, path + "." + target);
            int atMost = 0;
            if (keys.containsKey("at-most")) {
                Node atMostNode = keys.get("at-most").getValueNode();
                try {
                    atMost = Integer.parseInt(scalar(atMostNode, label + " at-most"));
                } catch (NumberFormatException e) {
                    atMost = -1;
                }
                if (atMost < 1) {
                    throw error(atMostNode, label + ": at-most must be a whole number of at least 1");
                }
            }
            return new MappingRule(line(node), target, fhirTarget, List.of(), List.of(), " ", null, null, null, ValueType.STRING, null,
                    null, when, required, each, rules, null, null, null, List.of(), atMost, false);
        }
        if (keys.containsKey("rules")) {
            throw error(keys.get("rules").getKeyNode(), label + ": only a group (each) has rules of its own");
        }
        if (keys.containsKey("at-most")) {
            throw error(keys.get("at-most").getKeyNode(), label + ": only a group (each) has at-most");
        }
        if (!fhirTarget.isPrimitive()) {
            throw error(keys.get("target").getValueNode(), label + ": " + target + " has elements of its own; name one of them (e.g. "
                    + target + ".value) or repeat over a field with each");
        }
        List<SourcePath> sources = new ArrayList<>();
        if (keys.containsKey("source")) {
            sources.add(path(keys.get("source").getValueNode(), label));
        }
        if (keys.containsKey("sources")) {
            sources.addAll(paths(keys.get("sources").getValueNode(), label));
        }
        List<SourcePath> concat = keys.containsKey("concat") ? paths(keys.get("concat").getValueNode(), label) : List.of();
        String constant = keys.containsKey("value") ? setting(keys.get("value").getValueNode(), label) : null;
        Reference reference = null;
        boolean patientReference = false;
        if (keys.containsKey("reference")) {
            Node referenceNode = keys.get("reference").getValueNode();
            if (referenceNode instanceof ScalarNode) {
                // reference: patient, the Patient the file's patient mapping makes of the same message
                String word = scalar(referenceNode, label + " reference");
                if (!word.equals(MappingRule.PATIENT_REFERENCE)) {
                    throw error(referenceNode, label + ": reference '" + word + "' is not one a rule can make; name the patient "
                            + "(reference: patient) or a record by its id paths (reference: {resource: Patient, prefix: v2, from: [...]})");
                }
                if (patientMapping == null) {
                    throw error(referenceNode, label + ": reference: patient needs the file's 'patient' key, naming the mapping that "
                            + "makes the message's Patient (e.g. patient: hl7v2-adt-patient)");
                }
                patientReference = true;
            } else {
                reference = reference(referenceNode, label);
            }
        }
        List<SourcePath> referenceOf = keys.containsKey("reference-of") ? paths(keys.get("reference-of").getValueNode(), label) : List.of();
        if (!referenceOf.isEmpty() && xmlNamespaces != null) {
            throw error(keys.get("reference-of").getKeyNode(), label + ": reference-of is for HL7 v2 messages (an A40's MRG), not a SOAP "
                    + "record");
        }
        if (!referenceOf.isEmpty() && referenceOf.size() != idPartCount) {
            throw error(keys.get("reference-of").getValueNode(), label + ": reference-of names the values of another record's id, one "
                    + "path for each of id.from's " + idPartCount);
        }
        int kinds = (sources.isEmpty() ? 0 : 1) + (concat.isEmpty() ? 0 : 1) + (constant == null ? 0 : 1)
                + (reference == null && !patientReference ? 0 : 1) + (referenceOf.isEmpty() ? 0 : 1);
        if (kinds != 1) {
            throw error(node, label + ": give exactly one of source, sources, concat, value, reference or reference-of");
        }
        String table = null;
        if (keys.containsKey("map")) {
            table = scalar(keys.get("map").getValueNode(), label + " map");
            if (!tables.containsKey(table)) {
                throw error(keys.get("map").getValueNode(), label + ": table '" + table + "' is not defined; add it under tables");
            }
        }
        ValueType type = ValueType.STRING;
        if (keys.containsKey("type")) {
            String text = scalar(keys.get("type").getValueNode(), label + " type");
            type = switch (text) {
                case "string" -> ValueType.STRING;
                case "date" -> ValueType.DATE;
                case "date-time" -> ValueType.DATE_TIME;
                default -> throw error(keys.get("type").getValueNode(), label + ": type '" + text + "' is not string, date or date-time");
            };
        }
        MappingRule.Plus plus = null;
        if (keys.containsKey("plus")) {
            Node plusNode = keys.get("plus").getValueNode();
            Map<String, NodeTuple> plusKeys = keys(plusNode, Set.of("amount", "unit"), label + " plus");
            if (xmlNamespaces != null) {
                throw error(keys.get("plus").getKeyNode(), label + ": plus is for HL7 v2 messages (AIS-7, AIS-8), not a SOAP record");
            }
            if (type != ValueType.DATE_TIME || !plusKeys.containsKey("amount")) {
                throw error(plusNode, label + ": plus adds a duration to a date-time: type: date-time, plus: {amount: AIS-7, unit: AIS-8-1}");
            }
            plus = new MappingRule.Plus(path(plusKeys.get("amount").getValueNode(), label),
                    plusKeys.containsKey("unit") ? path(plusKeys.get("unit").getValueNode(), label) : null);
        }
        String split = keys.containsKey("split") ? raw(keys.get("split").getValueNode(), label + " split") : null;
        if (split != null && !fhirTarget.isRepeating()) {
            throw error(keys.get("split").getKeyNode(), label + ": split makes several values, but " + target + " holds one");
        }
        return new MappingRule(line(node), target, fhirTarget, List.copyOf(sources), concat,
                keys.containsKey("separator") ? raw(keys.get("separator").getValueNode(), label + " separator") : " ", constant,
                keys.containsKey("default") ? setting(keys.get("default").getValueNode(), label) : null, table, type,
                keys.containsKey("prefix") ? setting(keys.get("prefix").getValueNode(), label) : null, split, when, required, null, List.of(),
                reference, null, plus, referenceOf, 0, patientReference);
    }

    /** {@code refuse: <problem>} with a {@code when}: a message the mapping must not take, refused naming the problem. */
    private MappingRule refusal(Node node, Map<String, NodeTuple> keys) {
        String label = "rule 'refuse'";
        for (String key : keys.keySet()) {
            if (!key.equals("refuse") && !key.equals("when")) {
                throw error(keys.get(key).getKeyNode(), label + ": a refuse rule takes only when and refuse");
            }
        }
        if (!keys.containsKey("when")) {
            throw error(node, label + ": needs a when naming the messages it refuses, e.g. when: {path: OBX-2, not-in: [NM, ST]}");
        }
        Condition when = condition(keys.get("when").getValueNode(), label);
        String problem = scalar(keys.get("refuse").getValueNode(), label);
        return new MappingRule(line(node), "refuse", null, List.of(), List.of(), " ", null, null, null, ValueType.STRING, null, null, when,
                false, null, List.of(), null, problem, null, List.of(), 0, false);
    }

    /** {@code reference: {resource: Patient, prefix: v2, from: [...]}}: the id another mapping of this source derives. */
    private Reference reference(Node node, String label) {
        Map<String, NodeTuple> keys = keys(node, Set.of("resource", "prefix", "from"), label + " reference");
        String resource = scalar(required(keys, "resource", node, "the resource type referred to, e.g. Patient"), label + " resource");
        try {
            fhir.getResourceDefinition(resource);
        } catch (RuntimeException e) {
            throw error(keys.get("resource").getValueNode(), label + ": '" + resource + "' is not a FHIR R4 resource type");
        }
        String prefix = keys.containsKey("prefix") ? scalar(keys.get("prefix").getValueNode(), label + " prefix") : "v2";
        if (!ID_PREFIX.matcher(prefix).matches()) {
            throw error(keys.get("prefix").getValueNode(), label + ": prefix '" + prefix + "' must be letters, digits, '.' or '-' (at most 21)");
        }
        List<SourcePath> from = paths(required(keys, "from", node, "the paths the referred mapping derives its id from (its id.from)"),
                label + " reference.from");
        return new Reference(resource, prefix, from);
    }

    private Condition condition(Node node, String label) {
        Map<String, NodeTuple> keys = keys(node, CONDITION_KEYS, label + " when");
        if (!keys.containsKey("path")) {
            throw error(node, label + ": when needs a path, e.g. when: {path: PID-3-5, equals: MR}");
        }
        SourcePath path = path(keys.get("path").getValueNode(), label);
        List<String> tests = keys.keySet().stream().filter(key -> !key.equals("path")).toList();
        if (tests.size() != 1) {
            throw error(node, label + ": when takes one of equals, in, not-equals, not-in or present");
        }
        Node value = keys.get(tests.get(0)).getValueNode();
        return switch (tests.get(0)) {
            case "equals" -> new Condition(path, List.of(scalar(value, "equals")), false, null);
            case "not-equals" -> new Condition(path, List.of(scalar(value, "not-equals")), true, null);
            case "in" -> new Condition(path, scalars(value, "in"), false, null);
            case "not-in" -> new Condition(path, scalars(value, "not-in"), true, null);
            default -> new Condition(path, List.of(), false, bool(value, label + " present"));
        };
    }

    private List<SourcePath> paths(Node node, String label) {
        if (node instanceof ScalarNode) {
            return List.of(path(node, label));
        }
        List<SourcePath> paths = new ArrayList<>();
        for (Node item : sequence(node, label)) {
            paths.add(path(item, label));
        }
        return List.copyOf(paths);
    }

    private SourcePath path(Node node, String label) {
        String text = scalar(node, label);
        try {
            if (xmlNamespaces != null) {
                return xpath(text);
            }
            SourcePath path = SourcePath.parse(text);
            V251Segments.check(path);
            readFields.add(path.segment());
            readFields.add(path.fieldName());
            return path;
        } catch (IllegalArgumentException e) {
            throw error(node, label + ": " + e.getMessage());
        }
    }

    /** {@code soap: {operation, namespace, records, more-pages, namespaces}}: makes the file's paths XPath. */
    private MappingFile.Soap soap(Node node) {
        Map<String, NodeTuple> keys = keys(node, Set.of("operation", "namespace", "records", "more-pages", "namespaces"), "soap");
        readNamespaces(keys, "soap");
        String operation = scalar(required(keys, "operation", node, "the SOAP operation called, e.g. GetPatients"), "soap.operation");
        String namespace = scalar(required(keys, "namespace", node, "the operation's XML namespace"), "soap.namespace");
        Node recordsNode = required(keys, "records", node, "the XPath of the records in a response, e.g. //lp:Patient");
        String records = checkedXpath(recordsNode, scalar(recordsNode, "soap.records"));
        String morePages = keys.containsKey("more-pages") ? checkedXpath(keys.get("more-pages").getValueNode(),
                scalar(keys.get("more-pages").getValueNode(), "soap.more-pages")) : "";
        return new MappingFile.Soap(operation, namespace, records, morePages, xmlNamespaces);
    }

    /** {@code document: {format: json|xml, files, records, namespaces}}: makes the file's paths XPath. */
    private MappingFile.Document document(Node node) {
        Map<String, NodeTuple> keys = keys(node, Set.of("format", "files", "records", "namespaces"), "document");
        readNamespaces(keys, "document");
        Node formatNode = required(keys, "format", node, "json or xml");
        String format = scalar(formatNode, "document.format");
        if (!format.equals("json") && !format.equals("xml")) {
            throw error(formatNode, "document.format '" + format + "': json or xml");
        }
        if (format.equals("json") && !xmlNamespaces.isEmpty()) {
            throw error(keys.get("namespaces").getKeyNode(), "a JSON document has no XML namespaces");
        }
        Node filesNode = required(keys, "files", node, "the names of the files it takes in the document folder, a glob, e.g. patients-*.json");
        String files = scalar(filesNode, "document.files");
        try {
            java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + files);
        } catch (IllegalArgumentException e) {
            throw error(filesNode, "document.files '" + files + "' is not a glob (" + e.getMessage() + ")");
        }
        if (files.contains("/") || files.contains("\\")) {
            throw error(filesNode, "document.files '" + files + "' names files of the document folder itself, without a folder");
        }
        Node recordsNode = required(keys, "records", node, "the XPath of the records in a file, e.g. /document/patients");
        String records = checkedXpath(recordsNode, scalar(recordsNode, "document.records"));
        return new MappingFile.Document(format, files, records, xmlNamespaces);
    }

    private void readNamespaces(Map<String, NodeTuple> keys, String section) {
        Map<String, String> namespaces = new LinkedHashMap<>();
        if (keys.containsKey("namespaces")) {
            for (NodeTuple tuple : mapping(keys.get("namespaces").getValueNode(), section + ".namespaces").getValue()) {
                namespaces.put(scalar(tuple.getKeyNode(), "a namespace prefix"), scalar(tuple.getValueNode(), "a namespace URI"));
            }
        }
        this.xmlNamespaces = Map.copyOf(namespaces);
    }

    private String checkedXpath(Node node, String text) {
        try {
            return xpath(text).text();
        } catch (IllegalArgumentException e) {
            throw error(node, e.getMessage());
        }
    }

    /** An XPath of an XML source, compiled now so that a typo is named at load with its line. */
    private SourcePath xpath(String text) {
        try {
            XmlPaths.compile(text, xmlNamespaces);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an XPath this mapping can use (" + e.getMessage() + ")");
        }
        return SourcePath.xml(text);
    }

    /** A value with its {{portal-sync.*}} settings resolved: a mapping names the MRN system once, in the engine's settings. */
    private String setting(Node node, String label) {
        String text = scalar(node, label);
        Matcher matcher = SETTING.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String key = matcher.group(1).strip();
            String value = settings.apply(key).filter(v -> !v.isBlank()).orElseThrow(() -> error(node, label + ": setting " + key
                    + " is not set; set it in config/application.properties"));
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private Node required(Map<String, NodeTuple> keys, String key, Node parent, String what) {
        NodeTuple tuple = keys.get(key);
        if (tuple == null) {
            throw error(parent, "'" + key + "' is missing: " + what);
        }
        return tuple.getValueNode();
    }

    private Map<String, NodeTuple> keys(Node node, Set<String> allowed, String what) {
        Map<String, NodeTuple> keys = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping(node, what).getValue()) {
            String key = scalar(tuple.getKeyNode(), "a key");
            if (!allowed.contains(key)) {
                throw error(tuple.getKeyNode(), "unknown key '" + key + "' in " + what + "; known: " + String.join(", ", allowed.stream().sorted().toList()));
            }
            if (keys.put(key, tuple) != null) {
                throw error(tuple.getKeyNode(), "'" + key + "' appears twice in " + what);
            }
        }
        return keys;
    }

    private MappingNode mapping(Node node, String what) {
        if (node instanceof MappingNode mapping) {
            return mapping;
        }
        throw error(node, what + " must be a map of keys (key: value)");
    }

    private List<Node> sequence(Node node, String what) {
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue();
        }
        throw error(node, what + " must be a list (- item, or [a, b])");
    }

    private List<String> scalars(Node node, String what) {
        if (node instanceof ScalarNode) {
            return List.of(scalar(node, what));
        }
        return sequence(node, what).stream().map(item -> scalar(item, what)).toList();
    }

    private String scalar(Node node, String what) {
        if (node instanceof ScalarNode scalar && !scalar.getValue().isBlank()) {
            return scalar.getValue().strip();
        }
        throw error(node, what + " must be a single value");
    }

    /** A separator as written, spaces kept ("separator: ' '"). */
    private String raw(Node node, String what) {
        if (node instanceof ScalarNode scalar && !scalar.getValue().isEmpty()) {
            return scalar.getValue();
        }
        throw error(node, what + " must be a single value (quote a space: ' ')");
    }

    private boolean bool(Node node, String what) {
        String text = scalar(node, what).toLowerCase(Locale.ROOT);
        if (!text.equals("true") && !text.equals("false")) {
            throw error(node, what + " must be true or false");
        }
        return Boolean.parseBoolean(text);
    }

    private static int line(Node node) {
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }

    private ConfigurationException error(Node node, String problem) {
        return new ConfigurationException(file + ":" + line(node) + ": " + problem);
    }
}
