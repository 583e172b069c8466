package org.portalsync.source.hl7v2;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hl7v2.ErrorCode;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.ConfigurationException;
import org.portalsync.portal.DuplicateKey;
import org.portalsync.portal.MergeReplacedPatients;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MLLP listener's one step: reads the message, maps it with the mapping that takes its type and event, and
 * stores it in the legacy inbox (with its unmapped-fields report for the digest and an audit row) in one
 * transaction; only then is the answer {@code AA}. A message it cannot take gets {@code AE} or {@code AR} naming
 * the field and the problem, and nothing is stored. A control id its sender used before is answered {@code AA}
 * again and not stored twice (the sender lost our first ACK). It never throws: camel-mllp would answer with a
 * generic NACK, or none.
 */
public final class AcceptHl7v2Message implements Processor {

    /** Header: the inbox id of a message stored by this exchange (absent for a NACK or a duplicate). */
    public static final String STORED_ID = "PortalSyncHl7v2InboxId";
    /** camel-mllp's header for the acknowledgement it sends when autoAck is off. */
    static final String MLLP_ACKNOWLEDGEMENT = "CamelMllpAcknowledgement";
    static final String MLLP_ACKNOWLEDGEMENT_STRING = "CamelMllpAcknowledgementString";
    private static final String MLLP_REMOTE_ADDRESS = "CamelMllpRemoteAddress";

    private static final Logger LOG = LoggerFactory.getLogger(AcceptHl7v2Message.class);

    private final Hl7v2Reader reader;
    private final Hl7v2Mappings mappings;
    private final MapHl7v2Message mapper;
    private final FhirContext fhir;
    private final PortalDatabase database;
    private final Hl7v2Inbox inbox;
    private final DataQualityLog dataQuality;
    private final AuditTrail audit;
    private final Clock clock;

    public AcceptHl7v2Message(Hl7v2Reader reader, Hl7v2Mappings mappings, MapHl7v2Message mapper, FhirContext fhir, PortalDatabase database,
            Hl7v2Inbox inbox, DataQualityLog dataQuality, AuditTrail audit, Clock clock) {
        this.reader = reader;
        this.mappings = mappings;
        this.mapper = mapper;
        this.fhir = fhir;
        this.database = database;
        this.inbox = inbox;
        this.dataQuality = dataQuality;
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        String text = body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : String.valueOf(body == null ? "" : body);
        String peer = exchange.getMessage().getHeader(MLLP_REMOTE_ADDRESS, String.class);
        String ack;
        try {
            ack = accept(text, peer, exchange);
        } catch (Hl7v2MessageException e) {
            LOG.warn("HL7 v2 message refused: {}", e.getMessage());
            auditFailure(text, peer, "failure: " + e.location() + " " + e.code());
            ack = Hl7v2Acks.reject(text, e);
        } catch (RuntimeException e) {
            // the database, most likely: nothing was stored, so the sender must send it again
            LOG.warn("HL7 v2 message not stored ({}); answered AE so that the sender sends it again", e.getClass().getSimpleName());
            ack = Hl7v2Acks.reject(text, new Hl7v2MessageException("message", "not stored: the engine could not store it now; send it again",
                    ErrorCode.APPLICATION_INTERNAL_ERROR));
        }
        exchange.getMessage().setHeader(MLLP_ACKNOWLEDGEMENT, ack.getBytes(StandardCharsets.UTF_8));
        exchange.getMessage().setHeader(MLLP_ACKNOWLEDGEMENT_STRING, ack);
        exchange.setProperty(MLLP_ACKNOWLEDGEMENT, ack.getBytes(StandardCharsets.UTF_8));
        exchange.setProperty(MLLP_ACKNOWLEDGEMENT_STRING, ack);
    }

    private String accept(String text, String peer, Exchange exchange) {
        Hl7v2Message message = new Hl7v2Message(reader.read(text));
        if (message.controlId().isEmpty()) {
            throw new Hl7v2MessageException("MSH-10", "required: the message control id, by which a message sent twice is known",
                    ErrorCode.REQUIRED_FIELD_MISSING);
        }
        String type = message.type() + "^" + message.event();
        MappingFile mapping = mappings.forMessage(message.type(), message.event()).orElseThrow(() -> new Hl7v2MessageException("MSH-9",
                "no mapping in config/mappings takes " + type, mappings.serving().stream().anyMatch(m -> m.accepts().stream()
                        .anyMatch(a -> a.type().equals(message.type()))) ? ErrorCode.UNSUPPORTED_EVENT_CODE : ErrorCode.UNSUPPORTED_MESSAGE_TYPE));
        MappingFile patientMapping;
        try {
            patientMapping = mappings.patientFor(mapping);
        } catch (ConfigurationException e) {
            throw new Hl7v2MessageException("MSH-9", "the mapping for " + type + " cannot be used now: " + e.getMessage(),
                    ErrorCode.APPLICATION_INTERNAL_ERROR);
        }
        MappedMessage mapped = mapper.map(mapping, patientMapping, message);
        checkMergedPatientsKnown(mapping, mapped);
        String json = fhir.newJsonParser().encodeResourceToString(Hl7v2InboxResources.of(mapped));
        Instant now = clock.instant();
        Hl7v2Inbox.Received received = new Hl7v2Inbox.Received(now, message.sender(), message.controlId(), type, mapping.name(),
                mapping.source(), mapped.record(), text, json);
        Optional<Long> stored;
        try {
            stored = database.inTransaction(connection -> {
                Optional<Long> id = inbox.store(connection, received);
                if (id.isPresent()) {
                    dataQuality.record(connection, mapping.source(), report(message, mapped), now);
                }
                audit.record(connection, new AuditEvent(now, "mllp:" + message.sender(), "HL7v2 " + type, mapped.record() + " MSH-10 "
                        + message.controlId(), peer, id.isPresent() ? "success" : "success: duplicate, not applied again"));
                return id;
            });
        } catch (RuntimeException e) {
            if (!DuplicateKey.isCause(e)) {
                throw e;
            }
            stored = Optional.empty(); // the same control id from another connection, a moment earlier
        }
        stored.ifPresent(id -> exchange.getMessage().setHeader(STORED_ID, id));
        return Hl7v2Acks.accept(text);
    }

    /**
     * A merge (A40) of a patient the portal has never heard of (not in the portal, no message of its record taken) would
     * merge nothing: it is refused, so that the sender learns it, and nothing of it is stored.
     */
    private void checkMergedPatientsKnown(MappingFile mapping, MappedMessage mapped) {
        if (!(mapped.resource() instanceof Patient patient)) {
            return;
        }
        for (String merged : MergeReplacedPatients.replaced(patient)) {
            if (!database.inTransaction(connection -> PortalPatientStore.exists(connection, mapping.source(), merged)
                    || inbox.holds(connection, mapping.source(), "Patient/" + merged))) {
                throw new Hl7v2MessageException("MRG-1", "the merged patient is unknown: neither in the portal nor in an earlier message; "
                        + "nothing was merged", ErrorCode.UNKNOWN_KEY_IDENTIFIER);
            }
        }
    }

    /** What the mapping left aside, as one digest row per message: fields and codes, never values. */
    private static List<DataQualityIssue> report(Hl7v2Message message, MappedMessage mapped) {
        if (mapped.unmapped().isEmpty() && mapped.codes().isEmpty()) {
            return List.of();
        }
        StringBuilder problem = new StringBuilder("HL7 v2 message " + message.controlId() + " (" + message.type() + "^" + message.event()
                + ", mapping " + mapped.mapping().name() + ")");
        if (!mapped.unmapped().isEmpty()) {
            problem.append(": no rule reads ").append(String.join(", ", mapped.unmapped()));
        }
        if (!mapped.codes().isEmpty()) {
            problem.append("; ").append(String.join("; ", mapped.codes().stream().map(Object::toString).toList()));
        }
        return List.of(new DataQualityIssue(mapped.record(), "HL7v2 unmapped", problem.toString(), false));
    }

    private void auditFailure(String text, String peer, String result) {
        try {
            audit.record(new AuditEvent(clock.instant(), "mllp", "HL7v2 message", "MSH-10 " + Hl7v2Acks.headerField(text, 10), peer, result));
        } catch (RuntimeException e) {
            LOG.warn("No audit row for a refused HL7 v2 message ({})", e.getClass().getSimpleName());
        }
    }
}
