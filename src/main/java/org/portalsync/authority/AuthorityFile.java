package org.portalsync.authority;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.portalsync.config.ConfigurationException;
import org.portalsync.config.UnknownSettings;
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
 * Reads {@code config/authority.yaml} into an {@link AuthorityMatrix}. Anything it does not know (a
 * misspelt field, an unknown rule or option, a rule an identity field may not have) stops start-up
 * with the file, the line and the field named. A field the file leaves out keeps the engine's
 * default, which the matrix marks as such.
 *
 * <pre>
 * patient:
 *   legal-name: ehr
 *   emails: portal
 *   phones:
 *     rule: last-write-wins
 *     write-back: false
 * appointment:
 *   status:
 *     when:
 *       - initiated-by: patient
 *         value: [cancelled]
 *         rule: portal
 *     otherwise: ehr
 * last-write-wins:
 *   on-equal-times: ehr
 * </pre>
 */
public final class AuthorityFile {

    private static final String LAST_WRITE_WINS = "last-write-wins";

    /** Fields that hold one code or value, so that a condition may name the values it applies to. */
    private static final Set<AuthorityField> SINGLE_VALUED = EnumSet.of(AuthorityField.PATIENT_GENDER,
            AuthorityField.PATIENT_PREFERRED_LANGUAGE, AuthorityField.PATIENT_BIRTH_DATE, AuthorityField.APPOINTMENT_STATUS,
            AuthorityField.APPOINTMENT_CANCELLATION_REASON, AuthorityField.APPOINTMENT_START, AuthorityField.APPOINTMENT_END,
            AuthorityField.APPOINTMENT_PROVIDER, AuthorityField.APPOINTMENT_LOCATION);

    private final String fileName;

    private AuthorityFile(String fileName) {
        this.fileName = fileName;
    }

    /** @throws ConfigurationException naming the file, line and field for anything wrong in it */
    public static AuthorityMatrix load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException(file + ": cannot read the authority rules (" + e.getClass().getSimpleName()
                    + "); portal-sync.authority.file names it");
        }
        return parse(file.toString(), text);
    }

    /** As {@link #load}, from text; {@code fileName} is used in messages. */
    public static AuthorityMatrix parse(String fileName, String text) {
        try {
            return new AuthorityFile(fileName).read(text);
        } catch (MarkedYamlEngineException e) {
            throw new ConfigurationException(fileName + " line " + e.getProblemMark().map(m -> m.getLine() + 1).orElse(0)
                    + ": not valid YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw new ConfigurationException(fileName + ": not valid YAML: " + e.getMessage());
        }
    }

    /** The engine's defaults, the field guide's: what the shipped file says, and what a field left out of it gets. */
    public static AuthorityMatrix defaults() {
        Map<AuthorityField, FieldPolicy> policies = new EnumMap<>(AuthorityField.class);
        for (AuthorityField field : AuthorityField.values()) {
            FieldRule rule = defaultRule(field);
            policies.put(field, new FieldPolicy(field, rule, defaultWriteBack(field, rule), 0));
        }
        return new AuthorityMatrix(policies, Side.EHR, "(defaults)");
    }

    private static FieldRule defaultRule(AuthorityField field) {
        FieldRule ehr = new FieldRule.Owner(Side.EHR);
        FieldRule portal = new FieldRule.Owner(Side.PORTAL);
        FieldRule lastWriteWins = new FieldRule.LastWriteWins();
        FieldRule patientDecides = new FieldRule.Conditional(List.of(new FieldRule.Branch(Set.of(Initiator.PATIENT), Set.of(), portal)), ehr);
        return switch (field) {
            case PATIENT_LEGAL_NAME, PATIENT_BIRTH_DATE, PATIENT_GENDER, PATIENT_MRN, PATIENT_DECEASED,
                    APPOINTMENT_PROVIDER, APPOINTMENT_LOCATION -> ehr;
            case PATIENT_EMAILS, PATIENT_COMMUNICATION_PREFERENCES -> portal;
            case PATIENT_PREFERRED_NAME, PATIENT_PHONES, PATIENT_ADDRESSES, PATIENT_EMERGENCY_CONTACTS, PATIENT_PREFERRED_LANGUAGE,
                    PATIENT_INSURANCE, APPOINTMENT_REASON, APPOINTMENT_NOTES -> lastWriteWins;
            case APPOINTMENT_START, APPOINTMENT_END, APPOINTMENT_CANCELLATION_REASON -> patientDecides;
            case APPOINTMENT_STATUS -> new FieldRule.Conditional(List.of(
                    new FieldRule.Branch(Set.of(Initiator.PATIENT), Set.of("cancelled"), portal)), ehr);
        };
    }

    private static boolean defaultWriteBack(AuthorityField field, FieldRule rule) {
        return !rule.alwaysEhr() && !field.portalOnly();
    }

    private AuthorityMatrix read(String text) {
        Optional<Node> document = new Compose(LoadSettings.builder().setLabel(fileName).build()).composeString(text);
        AuthorityMatrix defaults = defaults();
        Map<AuthorityField, FieldPolicy> policies = new EnumMap<>(defaults.policies());
        Side tie = defaults.tie();
        if (document.isEmpty()) {
            return new AuthorityMatrix(policies, tie, fileName);
        }
        for (NodeTuple section : mapping(document.get(), "the file").getValue()) {
            String name = scalar(section.getKeyNode(), "a section name");
            if (name.equals(LAST_WRITE_WINS)) {
                tie = readTie(section.getValueNode());
                continue;
            }
            AuthorityField.Entity entity = AuthorityField.Entity.byConfigName(name).orElseThrow(() -> error(section.getKeyNode(),
                    "unknown section '" + name + "'; expected one of: patient, appointment, last-write-wins"));
            Set<String> seen = new HashSet<>();
            for (NodeTuple entry : mapping(section.getValueNode(), "section " + name).getValue()) {
                String fieldName = scalar(entry.getKeyNode(), "a field name");
                AuthorityField field = AuthorityField.byName(entity, fieldName).orElseThrow(() -> error(entry.getKeyNode(),
                        "unknown " + name + " field '" + fieldName + "'" + closest(fieldName, entity) + "; known: "
                                + AuthorityField.of(entity).stream().map(AuthorityField::configName).collect(Collectors.joining(", "))));
                if (!seen.add(fieldName)) {
                    throw error(entry.getKeyNode(), "field " + field.qualifiedName() + " is given twice");
                }
                policies.put(field, readPolicy(field, entry.getValueNode()));
            }
        }
        return new AuthorityMatrix(policies, tie, fileName);
    }

    private FieldPolicy readPolicy(AuthorityField field, Node node) {
        int line = line(node);
        FieldRule rule;
        Boolean writeBack = null;
        if (node instanceof ScalarNode) {
            rule = plainRule(field, node);
        } else {
            MappingNode options = mapping(node, field.qualifiedName());
            Map<String, Node> keys = keys(options, field.qualifiedName(), Set.of("rule", "write-back", "when", "otherwise"));
            if (keys.containsKey("rule") == keys.containsKey("when")) {
                throw error(node, field.qualifiedName() + ": give either 'rule:' or 'when:' with 'otherwise:'");
            }
            if (keys.containsKey("rule")) {
                if (keys.containsKey("otherwise")) {
                    throw error(keys.get("otherwise"), field.qualifiedName() + ": 'otherwise' belongs to a 'when' rule");
                }
                rule = plainRule(field, keys.get("rule"));
            } else {
                rule = conditional(field, keys.get("when"), Optional.ofNullable(keys.get("otherwise"))
                        .orElseThrow(() -> error(node, field.qualifiedName() + ": a 'when' rule needs 'otherwise:' (the rule when no branch matches)")));
            }
            if (keys.containsKey("write-back")) {
                writeBack = bool(keys.get("write-back"), field.qualifiedName() + " write-back");
            }
        }
        if (field.portalOnly() && !(rule instanceof FieldRule.Owner owner && owner.side() == Side.PORTAL)) {
            throw error(node, field.qualifiedName() + " can only be 'portal': the EHR has no element for it");
        }
        if (field.portalOnly() && Boolean.TRUE.equals(writeBack)) {
            throw error(node, field.qualifiedName() + ": write-back is impossible, the EHR has no element for it");
        }
        if (field.ehrOnly() && !rule.alwaysEhr()) {
            throw error(node, field.qualifiedName() + " can only be 'ehr': the EHR assigns identifiers and records deaths");
        }
        if (Boolean.TRUE.equals(writeBack) && rule.alwaysEhr()) {
            throw error(node, field.qualifiedName() + ": write-back needs a rule under which the portal can decide the field");
        }
        return new FieldPolicy(field, rule, writeBack != null ? writeBack : defaultWriteBack(field, rule), line);
    }

    private FieldRule plainRule(AuthorityField field, Node node) {
        String value = scalar(node, field.qualifiedName() + " rule");
        return switch (value) {
            case "ehr" -> new FieldRule.Owner(Side.EHR);
            case "portal" -> new FieldRule.Owner(Side.PORTAL);
            case LAST_WRITE_WINS -> new FieldRule.LastWriteWins();
            default -> throw error(node, field.qualifiedName() + ": unknown rule '" + value + "'; expected ehr, portal, "
                    + "last-write-wins, or a 'when:' list with 'otherwise:'");
        };
    }

    private FieldRule conditional(AuthorityField field, Node when, Node otherwise) {
        if (!(when instanceof SequenceNode branches) || branches.getValue().isEmpty()) {
            throw error(when, field.qualifiedName() + ": 'when' must be a list of branches, each with 'rule:' and "
                    + "'initiated-by:' and/or 'value:'");
        }
        List<FieldRule.Branch> read = new ArrayList<>();
        for (Node branchNode : branches.getValue()) {
            Map<String, Node> keys = keys(mapping(branchNode, field.qualifiedName() + " branch"), field.qualifiedName() + " branch",
                    Set.of("initiated-by", "value", "rule"));
            Node ruleNode = Optional.ofNullable(keys.get("rule")).orElseThrow(() -> error(branchNode, field.qualifiedName() + ": a branch needs 'rule:'"));
            Set<Initiator> initiators = EnumSet.noneOf(Initiator.class);
            if (keys.containsKey("initiated-by")) {
                for (Node item : list(keys.get("initiated-by"))) {
                    String name = scalar(item, field.qualifiedName() + " initiated-by");
                    initiators.add(Initiator.byConfigName(name).orElseThrow(() -> error(item, field.qualifiedName() + ": unknown initiator '"
                            + name + "'; expected " + Arrays.stream(Initiator.values()).map(Initiator::configName).collect(Collectors.joining(", ")))));
                }
            }
            Set<String> values = new LinkedHashSet<>();
            if (keys.containsKey("value")) {
                if (!SINGLE_VALUED.contains(field)) {
                    throw error(keys.get("value"), field.qualifiedName() + ": 'value' conditions apply only to single-valued fields ("
                            + SINGLE_VALUED.stream().map(AuthorityField::qualifiedName).collect(Collectors.joining(", ")) + ")");
                }
                for (Node item : list(keys.get("value"))) {
                    values.add(scalar(item, field.qualifiedName() + " value"));
                }
            }
            if (initiators.isEmpty() && values.isEmpty()) {
                throw error(branchNode, field.qualifiedName() + ": a branch needs 'initiated-by:' or 'value:' (else it always applies: use a plain rule)");
            }
            read.add(new FieldRule.Branch(initiators, values, plainRule(field, ruleNode)));
        }
        return new FieldRule.Conditional(read, plainRule(field, otherwise));
    }

    private Side readTie(Node node) {
        Map<String, Node> keys = keys(mapping(node, LAST_WRITE_WINS), LAST_WRITE_WINS, Set.of("on-equal-times"));
        Node value = keys.get("on-equal-times");
        if (value == null) {
            return Side.EHR;
        }
        String side = scalar(value, "on-equal-times");
        return Arrays.stream(Side.values()).filter(s -> s.configName().equals(side)).findFirst()
                .orElseThrow(() -> error(value, "last-write-wins.on-equal-times: expected ehr or portal, not '" + side + "'"));
    }

    private Map<String, Node> keys(MappingNode node, String what, Set<String> allowed) {
        Map<String, Node> keys = new java.util.LinkedHashMap<>();
        for (NodeTuple tuple : node.getValue()) {
            String key = scalar(tuple.getKeyNode(), "an option of " + what);
            if (!allowed.contains(key)) {
                throw error(tuple.getKeyNode(), what + ": unknown option '" + key + "'; expected " + String.join(", ", new java.util.TreeSet<>(allowed)));
            }
            if (keys.put(key, tuple.getValueNode()) != null) {
                throw error(tuple.getKeyNode(), what + ": '" + key + "' is given twice");
            }
        }
        return keys;
    }

    private List<Node> list(Node node) {
        return node instanceof SequenceNode sequence ? sequence.getValue() : List.of(node);
    }

    private boolean bool(Node node, String what) {
        String value = scalar(node, what);
        if (!value.equals("true") && !value.equals("false")) {
            throw error(node, what + ": expected true or false, not '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    private MappingNode mapping(Node node, String what) {
        if (node instanceof MappingNode mapping) {
            return mapping;
        }
        throw error(node, what + ": expected a mapping (key: value lines)");
    }

    private String scalar(Node node, String what) {
        if (node instanceof ScalarNode scalar) {
            return scalar.getValue().trim();
        }
        throw error(node, what + ": expected a single value");
    }

    private ConfigurationException error(Node node, String message) {
        return new ConfigurationException(fileName + " line " + line(node) + ": " + message);
    }

    private static int line(Node node) {
        return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
    }

    private static String closest(String name, AuthorityField.Entity entity) {
        return AuthorityField.of(entity).stream().map(AuthorityField::configName)
                .filter(known -> UnknownSettings.distance(known, name) <= 2).findFirst().map(known -> " (did you mean '" + known + "'?)").orElse("");
    }
}
