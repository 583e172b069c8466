package org.portalsync.source.hl7v2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultMessage;
import org.portalsync.alert.AlertKind;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.RefusedFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file drop's one step (routes/hl7v2-file-inbound.yaml): reads a file of the inbox folder, one message or a
 * batch, and stores its messages in the legacy inbox, where MLLP messages go too (same duplicates, order and
 * processing). A file is one unit: every message is read and mapped first, and all are stored in one transaction,
 * or none. A file with a message the engine cannot take is stored not at all: it goes to {@code error/} with
 * {@code <name>.reason.txt} beside it naming the message, the field and the problem, and an alert; sent again
 * once fixed, whole, its messages are applied in the order the sender wrote them (a half-stored batch would have
 * applied its later messages before the fixed earlier one). The header {@link #OUTCOME} tells the route's move
 * where the file goes ({@code done} or {@code error}); when the portal database cannot store it, this throws and
 * the file stays where it is, for the next poll. The body becomes the inbox ids of the messages stored (none for a
 * refused file, nor for messages stored before under the same control id).
 */
public final class AcceptHl7v2File implements Processor {

    /** Header: the folder (below the inbox) the file moves to: {@code done} or {@code error}. */
    public static final String OUTCOME = "PortalSyncHl7v2FileOutcome";
    static final String DONE = "done";
    static final String ERROR = RefusedFiles.ERROR;

    private static final Logger LOG = LoggerFactory.getLogger(AcceptHl7v2File.class);

    /** A file refused: where and why, for its reason file. */
    private static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Hl7v2Intake intake;
    private final PortalDatabase database;
    private final Charset charset;
    private final Clock clock;
    private final RefusedFiles refused;

    public AcceptHl7v2File(Hl7v2Intake intake, PortalDatabase database, AuditTrail audit, Charset charset, Clock clock) {
        this.intake = intake;
        this.database = database;
        this.charset = charset;
        this.clock = clock;
        this.refused = new RefusedFiles("HL7 v2 file", "HL7v2 file", AlertKind.HL7V2_FILE_REFUSED, database, audit, clock);
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        String name = exchange.getMessage().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        Path folder = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PARENT, String.class));
        List<Hl7v2Intake.Prepared> prepared;
        try {
            prepared = prepare(exchange);
        } catch (Refused e) {
            refuse(folder, name, e.getMessage());
            handOver(exchange, ERROR, List.of());
            return;
        }
        Instant now = clock.instant();
        // the portal database failing here is no fault of the file: it stays in the inbox and is read again
        List<Long> stored = database.inDurableBatch(connection -> {
            List<Long> ids = new ArrayList<>();
            for (Hl7v2Intake.Prepared message : prepared) {
                intake.store(connection, message, "file", name, now).ifPresent(ids::add);
            }
            return ids;
        });
        LOG.info("HL7 v2 file {}: {} message(s), {} stored, {} already stored before", name, prepared.size(), stored.size(),
                prepared.size() - stored.size());
        handOver(exchange, DONE, stored);
    }

    /**
     * The outcome and the ids, in a plain message: camel-file's own message would hand its file, not the ids, to the
     * inbox route's queue. The file is committed (moved) from the exchange's file property and the name headers, kept.
     */
    private static void handOver(Exchange exchange, String outcome, List<Long> ids) {
        Message message = new DefaultMessage(exchange);
        message.setHeaders(new java.util.HashMap<>(exchange.getMessage().getHeaders()));
        message.setHeader(OUTCOME, outcome);
        message.setBody(ids);
        exchange.setMessage(message);
    }

    private List<Hl7v2Intake.Prepared> prepare(Exchange exchange) throws Refused {
        String text;
        try {
            byte[] bytes = exchange.getMessage().getMandatoryBody(byte[].class);
            text = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("the file is not " + charset.name() + " text (set portal-sync.source.hl7v2.file.charset to the sender's "
                    + "encoding, e.g. ISO-8859-1)");
        } catch (Exception e) {
            throw new Refused("the file cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        List<String> messages;
        try {
            messages = Hl7v2Batch.messages(text);
        } catch (Hl7v2MessageException e) {
            throw new Refused(e.location() + ": " + e.problem());
        }
        List<Hl7v2Intake.Prepared> prepared = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            String message = messages.get(i);
            try {
                prepared.add(intake.prepare(message, List.copyOf(prepared)));
            } catch (Hl7v2MessageException e) {
                throw new Refused(which(i, messages) + ": " + e.location() + ": " + e.problem() + " (HL7 error " + e.code().getCode() + ")");
            } catch (RuntimeException e) {
                throw new Refused(which(i, messages) + ": the message cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }
        return prepared;
    }

    /** e.g. "message 3 of 5 (MSH-10 CTRL-3)": the control id is the sender's message number, not patient data. */
    private static String which(int index, List<String> messages) {
        String controlId = Hl7v2Acks.headerField(messages.get(index), 10);
        return "message " + (index + 1) + " of " + messages.size() + (controlId.isEmpty() ? "" : " (MSH-10 " + controlId + ")");
    }

    /** The reason file beside the refused one in error/ (written before the route moves the file there), an audit row and an alert. */
    private void refuse(Path folder, String name, String reason) throws IOException {
        refused.refuse(folder, name, reason, "Nothing of this file was stored. Fix it and put the whole file into the inbox folder again;\n"
                + "messages stored before under the same control id (MSH-10) are not applied twice.\n");
    }
}
