package org.portalsync.source.soap;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.hl7v2.Hl7v2MessageException;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.XmlPaths;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;
import org.w3c.dom.Document;
import org.w3c.dom.Node;

/**
 * Reads one page of the SOAP service's answer: parsed safely ({@link SafeXml}), a SOAP Fault is a
 * {@link SoapFaultException}, an HTTP error without one a {@link SoapResponseException}; otherwise each record the
 * mapping's {@code soap.records} selects becomes its FHIR resource, all of the page or none (a record the mapping
 * refuses fails the page, naming its position and the path). The appointment mapping's records (inside the patients'
 * records) follow, each with the Patient of the record it is inside. The body becomes the page's {@link SoapRecord}s,
 * patients first, each to go through the shared pipeline; the poll goes on while {@code soap.more-pages} is true.
 * Values a table lacks go to the data-quality digest, one row per record, naming the path and the table, never the
 * value.
 */
public final class ReadSoapPage implements Processor {

    private static final String SOAP_11 = "http://schemas.xmlsoap.org/soap/envelope/";
    private static final String SOAP_12 = "http://www.w3.org/2003/05/soap-envelope";

    private final MapSoapRecord mapper;
    private final int maxPages;
    private final PortalDatabase database;
    private final DataQualityLog dataQuality;
    private final Clock clock;

    public ReadSoapPage(MapSoapRecord mapper, int maxPages, PortalDatabase database, DataQualityLog dataQuality, Clock clock) {
        this.mapper = mapper;
        this.maxPages = maxPages;
        this.database = database;
        this.dataQuality = dataQuality;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        MappingFile mapping = exchange.getProperty(StartSoapPoll.MAPPING, MappingFile.class);
        int page = exchange.getProperty(StartSoapPoll.PAGE, Integer.class);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        byte[] body = exchange.getMessage().getBody(byte[].class);
        String operation = mapping.soap().operation();
        if (body == null || body.length == 0) {
            throw new SoapResponseException(operation + " (page " + page + ") answered HTTP " + status + " with no body");
        }
        Document document = SafeXml.parse(body, "the answer of " + operation + " (page " + page + ", HTTP " + status + ")");
        Node fault = fault(document);
        if (fault != null) {
            throw new SoapFaultException(operation, page, text(fault, "faultcode", "Code"), shorten(text(fault, "faultstring", "Reason")));
        }
        if (status < 200 || status > 299) {
            throw new SoapResponseException(operation + " (page " + page + ") answered HTTP " + status + " without a SOAP Fault");
        }
        List<Node> records = XmlPaths.nodes(document, mapping.soap().records(), mapping.soap().namespaces());
        List<SoapRecord> resources = new ArrayList<>();
        List<DataQualityIssue> issues = new ArrayList<>();
        Map<Node, IBaseResource> patients = new IdentityHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            IBaseResource resource = map(mapping, records.get(i), null, page, i + 1, issues);
            patients.put(records.get(i), resource);
            resources.add(new SoapRecord(resource, null));
        }
        // what the service still lists, whatever becomes of each record in the pipeline: the deletion sweep's input
        @SuppressWarnings("unchecked")
        Set<String> seen = exchange.getProperty(StartSoapPoll.SEEN_PATIENTS, Set.class);
        if (seen != null) {
            patients.values().forEach(patient -> seen.add(patient.getIdElement().getIdPart()));
        }
        MappingFile appointments = exchange.getProperty(StartSoapPoll.APPOINTMENT_MAPPING, MappingFile.class);
        // each record lists all its patient's upcoming appointments: the page's patients, each with those its record lists
        Map<String, Set<String>> listed = new LinkedHashMap<>();
        patients.values().forEach(patient -> listed.put(patient.getIdElement().getIdPart(), new HashSet<>()));
        exchange.removeProperty(StartSoapPoll.LISTED_APPOINTMENTS);
        if (appointments != null) {
            exchange.setProperty(StartSoapPoll.LISTED_APPOINTMENTS, listed);
            List<Node> inside = XmlPaths.nodes(document, appointments.soap().records(), appointments.soap().namespaces());
            for (int i = 0; i < inside.size(); i++) {
                IBaseResource patient = enclosing(inside.get(i), patients);
                if (patient == null) {
                    throw new SoapResponseException(operation + " page " + page + ", " + appointments.name() + " record " + (i + 1)
                            + ": not inside a record of " + mapping.name() + " (" + mapping.soap().records() + "), so it has no patient");
                }
                String reference = patient.fhirType() + "/" + patient.getIdElement().getIdPart();
                IBaseResource appointment = map(appointments, inside.get(i), reference, page, i + 1, issues);
                listed.get(patient.getIdElement().getIdPart()).add(appointment.getIdElement().getIdPart());
                resources.add(new SoapRecord(appointment, patient));
            }
        }
        if (!issues.isEmpty()) {
            Instant now = clock.instant();
            database.inTransaction(connection -> {
                dataQuality.record(connection, mapping.source(), issues, now);
                return null;
            });
        }
        boolean more = !mapping.soap().morePages().isEmpty()
                && "true".equalsIgnoreCase(XmlPaths.value(document, mapping.soap().morePages(), mapping.soap().namespaces()))
                && !records.isEmpty();
        if (more && page >= maxPages) {
            throw new SoapResponseException(operation + " still has more pages after " + maxPages + "; raise portal-sync.source.soap.max-pages "
                    + "or check that the service honours Page");
        }
        for (SoapRecord record : resources) {
            Instant lastUpdated = lastUpdated(record.resource());
            Instant mark = exchange.getProperty(StartSoapPoll.POLL_MARK, Instant.class);
            if (lastUpdated != null && (mark == null || lastUpdated.isAfter(mark))) {
                exchange.setProperty(StartSoapPoll.POLL_MARK, lastUpdated);
            }
        }
        exchange.removeProperty(SyncHeaders.SOURCE_RESOURCE);
        exchange.setProperty(StartSoapPoll.PAGE, page + 1);
        exchange.setProperty(StartSoapPoll.MORE_PAGES, more);
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, mapping.source());
        exchange.getMessage().setBody(resources);
    }

    /** One record mapped; a value a table lacks becomes a digest issue of the record (path and table only). */
    private IBaseResource map(MappingFile mapping, Node record, String patientReference, int page, int position,
            List<DataQualityIssue> issues) {
        try {
            return mapper.map(mapping, record, patientReference, "SOAP unmapped", "SOAP " + mapping.soap().operation() + " record (mapping "
                    + mapping.name() + ")", issues);
        } catch (Hl7v2MessageException e) {
            throw new SoapResponseException(mapping.soap().operation() + " page " + page + ", " + (patientReference == null ? ""
                    : mapping.name() + " ") + "record " + position + ": " + e.location() + ": " + e.problem());
        }
    }

    private static Instant lastUpdated(IBaseResource resource) {
        return resource.getMeta().getLastUpdated() == null ? null : resource.getMeta().getLastUpdated().toInstant();
    }

    /** The patient of the nearest node above it that is a record of the patient mapping. */
    public static IBaseResource enclosing(Node node, Map<Node, IBaseResource> patients) {
        for (Node parent = node.getParentNode(); parent != null; parent = parent.getParentNode()) {
            IBaseResource patient = patients.get(parent);
            if (patient != null) {
                return patient;
            }
        }
        return null;
    }

    private static Node fault(Document document) {
        for (String ns : List.of(SOAP_11, SOAP_12)) {
            var faults = document.getElementsByTagNameNS(ns, "Fault");
            if (faults.getLength() > 0) {
                return faults.item(0);
            }
        }
        return null;
    }

    /** SOAP 1.1 faultcode/faultstring (unqualified), or SOAP 1.2 Code/Reason. */
    private static String text(Node fault, String soap11, String soap12) {
        for (Node child = fault.getFirstChild(); child != null; child = child.getNextSibling()) {
            String name = child.getLocalName() == null ? child.getNodeName() : child.getLocalName();
            if (name.equals(soap11) || name.equals(soap12)) {
                return child.getTextContent().strip();
            }
        }
        return "(none)";
    }

    private static String shorten(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
