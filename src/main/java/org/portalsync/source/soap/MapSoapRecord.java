package org.portalsync.source.soap;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.portalsync.source.hl7v2.MapHl7v2Message;
import org.portalsync.source.hl7v2.MappedMessage;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.MappingRule;
import org.portalsync.source.hl7v2.SourcePath;
import org.portalsync.source.hl7v2.XmlPaths;
import org.portalsync.validate.DataQualityIssue;
import org.w3c.dom.Node;

/**
 * Applies a SOAP source's mapping file (paths are XPath, relative to the record) to one record of a response: the
 * same rule keys, tables, types, conditions, groups ({@code each} over the nodes an XPath selects) and stable ids as
 * an HL7 v2 mapping, written by the same code ({@link MapHl7v2Message#writeValue}). A record the mapping refuses is
 * an {@link org.portalsync.source.hl7v2.Hl7v2MessageException} naming the path and the problem.
 */
public final class MapSoapRecord {

    private final FhirContext fhir;

    public MapSoapRecord(FhirContext fhir) {
        this.fhir = fhir;
    }

    public IBaseResource map(MappingFile mapping, Node record) {
        return map(mapping, record, null, new ArrayList<>());
    }

    /**
     * Maps one record; the values its tables lack become one data-quality row of the record, naming the paths and tables
     * (never a value).
     *
     * @param field    the digest row's field, e.g. {@code SOAP unmapped}
     * @param describe how the row's problem names the record, e.g. {@code SOAP GetPatients record (mapping soap-legacy-patient)}
     * @throws org.portalsync.source.hl7v2.Hl7v2MessageException the mapping refuses the record
     */
    public IBaseResource map(MappingFile mapping, Node record, String patientReference, String field, String describe,
            List<DataQualityIssue> issues) {
        List<MappedMessage.UnmappedCode> codes = new ArrayList<>();
        IBaseResource resource = map(mapping, record, patientReference, codes);
        if (!codes.isEmpty()) {
            issues.add(new DataQualityIssue(resource.fhirType() + "/" + resource.getIdElement().getIdPart(), field, describe + ": "
                    + String.join("; ", codes.stream().map(Object::toString).toList()), false));
        }
        return resource;
    }

    /**
     * @param patientReference {@code Patient/<id>} of the record's Patient, made by the mapping its {@code patient} key
     *                         names ({@code reference: patient}); null when it names none
     * @param codes            collects the values a table lacks, for the digest
     */
    public IBaseResource map(MappingFile mapping, Node record, String patientReference, List<MappedMessage.UnmappedCode> codes) {
        Map<String, String> namespaces = mapping.xmlNamespaces();
        IBaseResource resource = fhir.getResourceDefinition(mapping.resourceType()).newInstance();
        resource.setId(MapHl7v2Message.stableId(mapping.source(), mapping.idPrefix(), values(mapping.idParts(), record, namespaces,
                "the record's id is derived from it (" + mapping.file() + ":" + mapping.idLine() + ")")));
        apply(mapping, mapping.rules(), record, resource, codes, patientReference);
        return resource;
    }

    private static List<String> values(List<SourcePath> paths, Node context, Map<String, String> namespaces, String why) {
        List<String> values = new ArrayList<>();
        for (SourcePath path : paths) {
            String value = XmlPaths.value(context, path.text(), namespaces);
            if (values.isEmpty() && value.isEmpty()) {
                throw new org.portalsync.source.hl7v2.Hl7v2MessageException(path.text(), "required: " + why,
                        ca.uhn.hl7v2.ErrorCode.REQUIRED_FIELD_MISSING);
            }
            values.add(value);
        }
        return values;
    }

    private void apply(MappingFile mapping, List<MappingRule> rules, Node context, IBase element, List<MappedMessage.UnmappedCode> codes,
            String patientReference) {
        Map<String, String> namespaces = mapping.xmlNamespaces();
        for (MappingRule rule : rules) {
            if (rule.when() != null && !holds(rule.when(), context, namespaces)) {
                continue;
            }
            if (rule.refuse() != null) {
                throw new org.portalsync.source.hl7v2.Hl7v2MessageException(rule.when().path().text(), rule.refuse() + " (" + mapping.file()
                        + ":" + rule.line() + ")", ca.uhn.hl7v2.ErrorCode.DATA_TYPE_ERROR);
            }
            if (rule.each() != null) {
                int attached = 0;
                for (Node item : XmlPaths.nodes(context, rule.each().text(), namespaces)) {
                    IBase child = rule.fhirTarget().newElement();
                    apply(mapping, rule.rules(), item, child, codes, patientReference);
                    if (!child.isEmpty()) {
                        rule.fhirTarget().attach(element, child);
                        attached++;
                    }
                }
                if (rule.required() && attached == 0) {
                    throw new org.portalsync.source.hl7v2.Hl7v2MessageException(rule.each().text(), "required: no node gave a "
                            + rule.target(), ca.uhn.hl7v2.ErrorCode.REQUIRED_FIELD_MISSING);
                }
                continue;
            }
            if (rule.patientReference() && patientReference == null) {
                throw new org.portalsync.source.hl7v2.Hl7v2MessageException(rule.target(), "reference: patient, but no Patient was "
                        + "made for the record (" + mapping.file() + ":" + rule.line() + ")", ca.uhn.hl7v2.ErrorCode.APPLICATION_INTERNAL_ERROR);
            }
            String raw = rule.patientReference() ? patientReference : raw(mapping, rule, context, namespaces);
            if (rule.type() != MappingRule.ValueType.STRING && !rule.patientReference()) {
                raw = hl7Time(raw, location(rule));
            }
            MapHl7v2Message.writeValue(mapping, rule, location(rule), raw, element, codes);
        }
    }

    private static final java.util.regex.Pattern XML_TIME = java.util.regex.Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.\\d+)?)?)?(Z|[+-]\\d{2}:\\d{2})?");

    /**
     * An xs:date or xs:dateTime ({@code 2024-03-01T12:00:00}, with or without {@code Z} or an offset) in HL7's form, so
     * that the one date reading (the mapping's zone for a time without an offset, gaps and overlaps refused) serves both.
     */
    private static String hl7Time(String value, String location) {
        if (value.isEmpty()) {
            return value;
        }
        java.util.regex.Matcher time = XML_TIME.matcher(value);
        if (!time.matches()) {
            throw new org.portalsync.source.hl7v2.Hl7v2MessageException(location, "not an XML date (YYYY-MM-DD) or dateTime "
                    + "(YYYY-MM-DDThh:mm:ss[Z|+hh:mm])", ca.uhn.hl7v2.ErrorCode.DATA_TYPE_ERROR);
        }
        StringBuilder hl7 = new StringBuilder(time.group(1) + time.group(2) + time.group(3));
        if (time.group(4) != null) {
            hl7.append(time.group(4)).append(time.group(5)).append(time.group(6) == null ? "00" : time.group(6));
        }
        if (time.group(7) != null) {
            hl7.append(time.group(7).equals("Z") ? "+0000" : time.group(7).replace(":", ""));
        }
        return hl7.toString();
    }

    private static String location(MappingRule rule) {
        return rule.reference() != null ? rule.reference().from().get(0).text() : !rule.sources().isEmpty() ? rule.sources().get(0).text()
                : !rule.concat().isEmpty() ? rule.concat().get(0).text() : rule.target();
    }

    private static String raw(MappingFile mapping, MappingRule rule, Node context, Map<String, String> namespaces) {
        if (rule.constant() != null) {
            return rule.constant();
        }
        if (rule.reference() != null) {
            MappingRule.Reference reference = rule.reference();
            List<String> values = reference.from().stream().map(path -> XmlPaths.value(context, path.text(), namespaces)).toList();
            return values.get(0).isEmpty() ? "" : reference.resource() + "/" + MapHl7v2Message.stableId(mapping.source(), reference.prefix(), values);
        }
        if (!rule.concat().isEmpty()) {
            return String.join(rule.separator(), rule.concat().stream().map(path -> XmlPaths.value(context, path.text(), namespaces))
                    .filter(v -> !v.isEmpty()).toList());
        }
        for (SourcePath path : rule.sources()) {
            String value = XmlPaths.value(context, path.text(), namespaces);
            if (!value.isEmpty()) {
                return value;
            }
        }
        return "";
    }

    private static boolean holds(MappingRule.Condition condition, Node context, Map<String, String> namespaces) {
        String value = XmlPaths.value(context, condition.path().text(), namespaces);
        if (condition.present() != null) {
            return condition.present() != value.isEmpty();
        }
        return condition.values().contains(value) != condition.negate();
    }
}
