package org.portalsync.authority;

import java.util.EnumMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Every field's rule, as loaded from {@code config/authority.yaml} and enforced: the one object the
 * merge, the portal API, the JSON served by the engine and the Markdown table all read.
 *
 * @param tie the side that wins a last-write-wins field when both changed it at the same instant
 */
public record AuthorityMatrix(Map<AuthorityField, FieldPolicy> policies, Side tie, String file) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public AuthorityMatrix {
        EnumMap<AuthorityField, FieldPolicy> copy = new EnumMap<>(AuthorityField.class);
        copy.putAll(policies);
        for (AuthorityField field : AuthorityField.values()) {
            if (!copy.containsKey(field)) {
                throw new IllegalArgumentException("no rule for " + field.qualifiedName());
            }
        }
        policies = java.util.Collections.unmodifiableMap(copy);
    }

    public FieldPolicy policy(AuthorityField field) {
        return policies.get(field);
    }

    /** The matrix as the engine serves it ({@code GET /api/v1/authority}). */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("file", file);
        root.put("lastWriteWinsOnEqualTimes", tie.configName());
        ArrayNode fields = root.putArray("fields");
        for (FieldPolicy policy : policies.values()) {
            ObjectNode row = fields.addObject();
            row.put("field", policy.field().qualifiedName());
            row.put("fhir", policy.field().fhirElements());
            row.put("rule", policy.rule().describe());
            row.put("writeBack", policy.writeBack());
            row.put("synced", policy.field().synced());
            row.put("declaredAtLine", policy.line());
        }
        return root;
    }

    /** The matrix as a Markdown table, for the README and the operator's documentation. */
    public String toMarkdown() {
        StringBuilder table = new StringBuilder();
        table.append("| field | FHIR R4 | rule | written back to the EHR | synced today |\n");
        table.append("| --- | --- | --- | --- | --- |\n");
        for (FieldPolicy policy : policies.values()) {
            table.append("| `").append(policy.field().qualifiedName()).append("` | ").append(policy.field().fhirElements().replace("|", "\\|"))
                    .append(" | ").append(policy.rule().describe()).append(policy.declared() ? "" : " (default)")
                    .append(" | ").append(policy.writeBack() ? "yes" : "no")
                    .append(" | ").append(policy.field().synced() ? "yes" : "not yet").append(" |\n");
        }
        table.append("\nA last-write-wins field changed on both sides at the same instant goes to the ").append(tie.configName()).append(".\n");
        return table.toString();
    }
}
