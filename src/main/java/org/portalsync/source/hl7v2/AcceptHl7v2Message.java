package org.portalsync.source.hl7v2;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;

import ca.uhn.hl7v2.ErrorCode;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.DuplicateKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MLLP listener's one step: reads the message, maps it with the mapping that takes its type and event, and
 * stores it in the legacy inbox (with its unmapped-fields report for the digest and an audit row) in one
 * transaction, shared with the messages other connections sent meanwhile ({@link Hl7v2InboxWriter}); only after its
 * commit is the answer {@code AA}. A message it cannot take gets {@code AE} or {@code AR} naming
 * the field and the problem, and nothing is stored. A control id its sender used before is answered {@code AA}
 * again and not stored twice (the sender lost our first ACK). It never throws: camel-mllp would answer with a
 * generic NACK, or none.
 */
public final class AcceptHl7v2Message implements Processor {

    /** Header: the inbox id of a message stored by this exchange (absent for a NACK or a duplicate). */
    public static final String STORED_ID = org.portalsync.sync.SyncHeaders.LEGACY_INBOX_ID;
    /** camel-mllp's header for the acknowledgement it sends when autoAck is off. */
    static final String MLLP_ACKNOWLEDGEMENT = "CamelMllpAcknowledgement";
    static final String MLLP_ACKNOWLEDGEMENT_STRING = "CamelMllpAcknowledgementString";
    private static final String MLLP_REMOTE_ADDRESS = "CamelMllpRemoteAddress";

    private static final Logger LOG = LoggerFactory.getLogger(AcceptHl7v2Message.class);

    private final Hl7v2Intake intake;
    private final Hl7v2InboxWriter writer;
    private final AuditTrail audit;
    private final Clock clock;

    /** @param writer stores the message together with those other connections sent meanwhile (group commit) */
    public AcceptHl7v2Message(Hl7v2Intake intake, Hl7v2InboxWriter writer, AuditTrail audit, Clock clock) {
        this.intake = intake;
        this.writer = writer;
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
        Hl7v2Intake.Prepared prepared = intake.prepare(text);
        Optional<Long> stored;
        try {
            stored = writer.store(new Hl7v2Intake.Arrival(prepared, "mllp", peer, clock.instant()));
        } catch (RuntimeException e) {
            if (!DuplicateKey.isCause(e)) {
                throw e;
            }
            stored = Optional.empty(); // the same control id from another connection, a moment earlier
        }
        stored.ifPresent(id -> exchange.getMessage().setHeader(STORED_ID, id));
        return Hl7v2Acks.accept(text);
    }

    private void auditFailure(String text, String peer, String result) {
        try {
            audit.record(new AuditEvent(clock.instant(), "mllp", "HL7v2 message", "MSH-10 " + Hl7v2Acks.headerField(text, 10), peer, result));
        } catch (RuntimeException e) {
            LOG.warn("No audit row for a refused HL7 v2 message ({})", e.getClass().getSimpleName());
        }
    }
}
