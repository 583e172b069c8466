package org.portalsync.source.hl7v2;

import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mapping file of {@code config/mappings/}, read and checked by {@link MappingFileReader}: which HL7 v2
 * messages it takes, the FHIR resource it makes of them, how that resource's id is derived, and its rules.
 *
 * @param file       the file, as named in errors
 * @param source     the source name stored with each record it produces (the portal's {@code source} column)
 * @param zone       the zone the sender's local times are in (an IANA id, e.g. {@code America/New_York})
 * @param idPrefix   the start of every resource id it produces
 * @param idParts    the paths whose values, hashed with the source name, make the resource id; the first must hold a value
 * @param readFields the {@code SEG-n} fields any of its rules reads, and the segments they are in
 * @param ignored    the segments ({@code EVN}) and fields ({@code PID-1}) it leaves aside on purpose ({@code ignore:}): not
 *                   listed as unmapped
 * @param each       the segment of which it makes one resource each ({@code OBX}), or null: one resource per message
 * @param soap       for a SOAP source's mapping: the operation and where its records are (paths are then XPath), else null
 * @param patient    the mapping (by name) that makes the Patient of each message (of a SOAP mapping: of the record of that
 *                   mapping each record is inside), applied before this mapping's record so that it never refers to a
 *                   patient the portal lacks; null when the mapping makes the Patient itself
 * @param senders    the senders it serves ({@code senders:}); empty: every sender (unscoped)
 * @param document   for legacy document files (JSON or XML, {@code document:}): which files it takes and where their records
 *                   are (paths are then XPath), else null
 */
public record MappingFile(String file, String name, String source, ZoneId zone, List<Accepts> accepts, String resourceType,
        String idPrefix, List<SourcePath> idParts, int idLine, Map<String, Map<String, String>> tables, List<MappingRule> rules,
        Set<String> readFields, Set<String> ignored, String each, Soap soap, String patient, List<Sender> senders, Document document) {

    /**
     * Legacy document files ({@code document:} in the file), dropped into the document folder: their format ({@code json} or
     * {@code xml}), the file names it takes (a glob, e.g. {@code patients-*.json}), the XPath of the records in a file, and the
     * namespace prefixes its XPaths use. A JSON file is read as XML: each key an element, each item of an array an element
     * named by its key ({@link org.portalsync.source.document.JsonAsXml}).
     */
    public record Document(String format, String files, String records, Map<String, String> namespaces) {

        public boolean takes(String fileName) {
            return java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + files).matches(java.nio.file.Path.of(fileName));
        }
    }

    /** The XPath of a SOAP or document mapping's records; null for an HL7 v2 mapping. */
    public String recordPath() {
        return soap != null ? soap.records() : document != null ? document.records() : null;
    }

    /** The namespace prefixes of a SOAP or document mapping's XPaths; empty for an HL7 v2 mapping. */
    public Map<String, String> xmlNamespaces() {
        return soap != null ? soap.namespaces() : document != null ? document.namespaces() : Map.of();
    }

    /** What an unscoped mapping serves: any sending application at any facility. */
    public static final List<Sender> EVERY_SENDER = List.of(new Sender(null, null));

    /**
     * A SOAP source ({@code soap:} in the file): the operation called, its namespace, the XPath of the records in a
     * response, of the "more pages" flag (empty: the service does not page), and the namespace prefixes the XPaths use.
     */
    public record Soap(String operation, String namespace, String records, String morePages, Map<String, String> namespaces) {
    }

    /** The messages a mapping takes: an HL7 v2 message type (MSH-9-1) and its trigger events (MSH-9-2). */
    public record Accepts(String type, Set<String> events) {
    }

    /**
     * A sender a mapping serves ({@code senders: [{application: EPIC, facility: NORTH}]}): MSH-3-1 (sending application)
     * and MSH-4-1 (sending facility), compared exactly; a null part matches any value.
     */
    public record Sender(String application, String facility) {

        public boolean matches(String sendingApplication, String sendingFacility) {
            return (application == null || application.equals(sendingApplication)) && (facility == null || facility.equals(sendingFacility));
        }

        /**
         * How specific it is, the most specific mapping that matches a message wins: application and facility (3) over
         * the application alone (2: the system that writes the messages decides their shape) over the facility alone (1)
         * over every sender (0). Two matching scopes of one rank are equal, so that a message never has two winners.
         */
        public int rank() {
            return (application != null ? 2 : 0) + (facility != null ? 1 : 0);
        }

        @Override
        public String toString() {
            return rank() == 0 ? "every sender" : "{" + (application == null ? "" : "application: " + application)
                    + (application != null && facility != null ? ", " : "") + (facility == null ? "" : "facility: " + facility) + "}";
        }
    }

    public boolean accepts(String type, String event) {
        return accepts.stream().anyMatch(kind -> kind.type().equals(type) && kind.events().contains(event));
    }

    /** Whether it is scoped to some senders ({@code senders:}), not serving every one. */
    public boolean scoped() {
        return !senders.equals(EVERY_SENDER);
    }

    /**
     * How specifically it serves a sender (MSH-3-1, MSH-4-1): the rank of its most specific entry that matches
     * ({@link Sender#rank}), -1 when it does not serve that sender.
     */
    public int serves(String sendingApplication, String sendingFacility) {
        return senders.stream().filter(sender -> sender.matches(sendingApplication, sendingFacility)).mapToInt(Sender::rank).max().orElse(-1);
    }
}
