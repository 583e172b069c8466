package org.portalsync.source.document;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultMessage;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.portalsync.alert.AlertKind;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.RefusedFiles;
import org.portalsync.source.hl7v2.Hl7v2Mappings;
import org.portalsync.source.hl7v2.Hl7v2MessageException;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.XmlPaths;
import org.portalsync.source.soap.MapSoapRecord;
import org.portalsync.source.soap.ReadSoapPage;
import org.portalsync.source.soap.SafeXml;
import org.portalsync.source.soap.SoapRecord;
import org.portalsync.source.soap.SoapResponseException;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Node;

/**
 * Reads a file of the legacy document folder (routes/legacy-document-inbound.yaml): the mapping files whose
 * {@code document.files} take its name map every record in it, those that make the patients first, then those whose
 * {@code patient} key names one of them (each record with the patient record it sits in), as a SOAP page's records are
 * mapped; the route then hands them to the shared pipelines one by one and moves the file to {@code done/}. A file no
 * mapping takes, that is not well-formed, or with a record a mapping refuses is applied not at all: it goes to
 * {@code error/} with {@code <name>.reason.txt} beside it naming the record, the path and the problem, an audit row and
 * an alert. A code a table lacks is a data-quality row of its record.
 */
public final class ReadLegacyDocument implements Processor {

    /** Header: the folder the route moves the file to, {@code done} or {@code error}. */
    public static final String OUTCOME = "PortalSyncDocumentOutcome";
    static final String DONE = "done";
    static final String ERROR = RefusedFiles.ERROR;

    private static final Logger LOG = LoggerFactory.getLogger(ReadLegacyDocument.class);

    private record Read(String source, List<SoapRecord> records, List<DataQualityIssue> issues) {
    }

    private final Hl7v2Mappings mappings;
    private final MapSoapRecord mapper;
    private final PortalDatabase database;
    private final DataQualityLog dataQuality;
    private final Clock clock;
    private final RefusedFiles refused;

    public ReadLegacyDocument(Hl7v2Mappings mappings, MapSoapRecord mapper, PortalDatabase database, DataQualityLog dataQuality,
            AuditTrail audit, Clock clock) {
        this.mappings = mappings;
        this.mapper = mapper;
        this.database = database;
        this.dataQuality = dataQuality;
        this.clock = clock;
        this.refused = new RefusedFiles("Document file", "Document file", AlertKind.DOCUMENT_FILE_REFUSED, database, audit, clock);
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        Path folder = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PARENT, String.class));
        Read read;
        try {
            read = read(name, exchange.getMessage().getMandatoryBody(byte[].class));
        } catch (DocumentRefusedException e) {
            refuse(folder, name, e.getMessage());
            handOver(exchange, ERROR, null, List.of());
            return;
        } catch (org.apache.camel.InvalidPayloadException e) {
            refuse(folder, name, "the file cannot be read (" + e.getClass().getSimpleName() + ")");
            handOver(exchange, ERROR, null, List.of());
            return;
        }
        if (!read.issues().isEmpty()) {
            Instant now = clock.instant();
            database.inTransaction(connection -> {
                dataQuality.record(connection, read.source(), read.issues(), now);
                return null;
            });
        }
        LOG.info("Document file {}: {} record(s) to apply", name, read.records().size());
        handOver(exchange, DONE, read.source(), read.records());
    }

    /** The records in a plain message (camel-file's own would hand its file on), the file's headers kept for its move. */
    private static void handOver(Exchange exchange, String outcome, String source, List<SoapRecord> records) {
        Message message = new DefaultMessage(exchange);
        message.setHeaders(new java.util.HashMap<>(exchange.getMessage().getHeaders()));
        message.setHeader(OUTCOME, outcome);
        message.setHeader(SyncHeaders.SOURCE, source);
        message.setBody(records);
        exchange.setMessage(message);
    }

    private Read read(String name, byte[] bytes) {
        List<MappingFile> taking = mappings.serving().stream().filter(m -> m.document() != null && m.document().takes(name)).toList();
        if (taking.isEmpty()) {
            throw new DocumentRefusedException("no mapping in the mappings folder takes it (document.files)");
        }
        MappingFile first = taking.get(0);
        for (MappingFile other : taking) {
            if (!other.document().format().equals(first.document().format()) || !other.source().equals(first.source())) {
                throw new DocumentRefusedException("mappings " + first.file() + " and " + other.file() + " both take it, with another format "
                        + "or source: give their document.files names that tell the files apart");
            }
        }
        Document document = parse(first.document().format(), bytes);
        List<MappingFile> patients = taking.stream().filter(m -> m.patient() == null).toList();
        List<SoapRecord> records = new ArrayList<>();
        List<DataQualityIssue> issues = new ArrayList<>();
        Map<Node, IBaseResource> patientRecords = new IdentityHashMap<>();
        for (MappingFile mapping : patients) {
            List<Node> nodes = XmlPaths.nodes(document, mapping.document().records(), mapping.xmlNamespaces());
            for (int i = 0; i < nodes.size(); i++) {
                IBaseResource resource = map(mapping, nodes.get(i), null, i + 1, name, issues);
                patientRecords.put(nodes.get(i), resource);
                records.add(new SoapRecord(resource, null));
            }
        }
        for (MappingFile mapping : taking) {
            if (mapping.patient() == null) {
                continue;
            }
            if (patients.stream().noneMatch(patient -> patient.name().equals(mapping.patient()))) {
                throw new DocumentRefusedException(mapping.file() + " names the patient mapping " + mapping.patient()
                        + ", which does not take this file: its records would have no patient");
            }
            List<Node> nodes = XmlPaths.nodes(document, mapping.document().records(), mapping.xmlNamespaces());
            for (int i = 0; i < nodes.size(); i++) {
                IBaseResource patient = ReadSoapPage.enclosing(nodes.get(i), patientRecords);
                if (patient == null) {
                    throw new DocumentRefusedException("record " + (i + 1) + " of " + mapping.name() + " (" + mapping.document().records()
                            + ") is not inside a record of " + mapping.patient() + ", so it has no patient");
                }
                records.add(new SoapRecord(map(mapping, nodes.get(i), patient.fhirType() + "/" + patient.getIdElement().getIdPart(), i + 1,
                        name, issues), patient));
            }
        }
        if (records.isEmpty()) {
            throw new DocumentRefusedException("no record at " + String.join(", ", taking.stream().map(m -> m.document().records()
                    + " (" + m.file() + ")").toList()));
        }
        return new Read(first.source(), records, issues);
    }

    /** A document file as its mapping's {@code document.format} says: JSON read as XML, or XML parsed safely (no DOCTYPE). */
    public static Document parse(String format, byte[] bytes) {
        if (format.equals("json")) {
            return JsonAsXml.read(bytes);
        }
        try {
            return SafeXml.parse(bytes, "the file");
        } catch (SoapResponseException e) {
            throw new DocumentRefusedException(e.getMessage());
        }
    }

    private IBaseResource map(MappingFile mapping, Node record, String patientReference, int position, String name,
            List<DataQualityIssue> issues) {
        try {
            return mapper.map(mapping, record, patientReference, "Document unmapped", "Document file " + name + " record (mapping "
                    + mapping.name() + ")", issues);
        } catch (Hl7v2MessageException e) {
            throw new DocumentRefusedException("record " + position + " of " + mapping.name() + ": " + e.location() + ": " + e.problem());
        }
    }

    /** The reason file beside the refused one in error/ (written before the route moves the file there), an audit row and an alert. */
    private void refuse(Path folder, String name, String reason) throws IOException {
        refused.refuse(folder, name, reason, "Nothing of this file was applied. Fix it (or the mapping) and put the whole file into the "
                + "folder again.\n");
    }
}
