package org.portalsync.source.hl7v2;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.v251.datatype.ERL;
import ca.uhn.hl7v2.model.v251.message.ACK;
import ca.uhn.hl7v2.model.v251.segment.ERR;
import ca.uhn.hl7v2.model.v251.segment.MSH;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.util.idgenerator.UUIDGenerator;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;

/**
 * The acknowledgement an MLLP sender gets, built with HAPI's v2.5.1 ACK: MSA-1 {@code AA}, {@code AE} or
 * {@code AR} and MSA-2 the sender's control id; for a NACK an ERR segment with the location (ERR-2), the HL7
 * error code (ERR-3, table 0357), severity E and the problem in words (ERR-8), never a value of the message.
 * The header fields it answers to are read from the raw text, so that even an unreadable message gets one.
 */
public final class Hl7v2Acks {

    /**
     * MSH-10 of each ACK: a UUID, unique across restarts and instances. HAPI's default keeps a counter in a file
     * named id_file in the working directory.
     */
    private static final PipeParser PARSER = parser();
    private static final String STANDARD_ENCODING = "^~\\&";
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMddHHmmss.SSSZ");

    private Hl7v2Acks() {
    }

    public static String accept(String received) {
        String[] header = header(received);
        if (header.length < 2) {
            return ack(received, AcknowledgmentCode.AA, null);
        }
        // on every message the listener takes: two segments written out, as HAPI's ACK (below, for NACKs) costs a
        // quarter of the listener's CPU; the sender's header fields come already in our delimiters
        return "MSH|" + STANDARD_ENCODING + "|" + field(header, 5, 0) + "|" + field(header, 6, 0) + "|" + field(header, 3, 0) + "|"
                + field(header, 4, 0) + "|" + TIMESTAMP.format(OffsetDateTime.now(ZoneOffset.UTC)) + "||ACK^" + field(header, 9, 2) + "^ACK|"
                + UUID.randomUUID() + "|" + processingId(header) + "|2.5.1\rMSA|AA|" + field(header, 10, 0);
    }

    /** AR for a message the engine does not take (unreadable, a type or event no mapping takes), AE for one whose content is wrong. */
    public static String reject(String received, Hl7v2MessageException problem) {
        return ack(received, problem.rejectsMessageKind() ? AcknowledgmentCode.AR : AcknowledgmentCode.AE, problem);
    }

    private static String ack(String received, AcknowledgmentCode code, Hl7v2MessageException problem) {
        String[] header = header(received);
        try {
            ACK ack = new ACK();
            ack.setParser(PARSER);
            ack.initQuickstart("ACK", field(header, 9, 2), processingId(header));
            MSH msh = ack.getMSH();
            msh.getMessageType().getMessageStructure().setValue("ACK");
            // the answer goes back the way the message came: its receiver is our sender, its sender our receiver
            msh.getSendingApplication().parse(field(header, 5, 0));
            msh.getSendingFacility().parse(field(header, 6, 0));
            msh.getReceivingApplication().parse(field(header, 3, 0));
            msh.getReceivingFacility().parse(field(header, 4, 0));
            ack.getMSA().getAcknowledgmentCode().setValue(code.name());
            ack.getMSA().getMessageControlID().setValue(field(header, 10, 0));
            if (problem != null) {
                ERR err = ack.getERR();
                location(err.getErrorLocation(0), problem.location());
                err.getHL7ErrorCode().getIdentifier().setValue(String.valueOf(problem.code().getCode()));
                err.getHL7ErrorCode().getText().setValue(problem.code().getMessage());
                err.getHL7ErrorCode().getNameOfCodingSystem().setValue("HL70357");
                err.getSeverity().setValue("E");
                err.getUserMessage().setValue(problem.location() + ": " + problem.problem());
            }
            return ack.encode();
        } catch (HL7Exception | IOException e) {
            throw new IllegalStateException("cannot build an HL7 v2.5.1 ACK", e);
        }
    }

    /** MSH-11 as sent, P (production) when the sender left it out. */
    private static String processingId(String[] header) {
        String sent = field(header, 11, 0);
        return sent.isEmpty() ? "P" : sent;
    }

    private static PipeParser parser() {
        DefaultHapiContext context = new DefaultHapiContext();
        context.getParserConfiguration().setIdGenerator(new UUIDGenerator());
        // an answer to a message too broken to name its type (MSH-9) must still be sent
        context.setValidationContext(ValidationContextFactory.noValidation());
        return context.getPipeParser();
    }

    private static void location(ERL erl, String location) throws HL7Exception {
        try {
            SourcePath path = SourcePath.parse(location);
            erl.getSegmentID().setValue(path.segment());
            erl.getSegmentSequence().setValue("1");
            erl.getFieldPosition().setValue(String.valueOf(path.field()));
            if (path.repetition() >= 0) {
                erl.getFieldRepetition().setValue(String.valueOf(path.repetition() + 1));
            }
            if (path.component() > 0) {
                erl.getComponentNumber().setValue(String.valueOf(path.component()));
            }
            if (path.subcomponent() > 0) {
                erl.getSubComponentNumber().setValue(String.valueOf(path.subcomponent()));
            }
        } catch (IllegalArgumentException e) {
            if (SourcePath.isSegmentName(location)) {
                erl.getSegmentID().setValue(location);
                erl.getSegmentSequence().setValue("1");
            }
        }
    }

    /** MSH-n as sent, "" when the text has no MSH: for a message too broken to read otherwise. */
    static String headerField(String received, int field) {
        return field(header(received), field, 0);
    }

    /**
     * MSH's fields (MSH-1 is the separator itself, so MSH-n is element n-1), from MSH-3 on written with the standard
     * delimiters whatever the sender's were, so that they can be copied into our answer; empty for text without an MSH.
     */
    private static String[] header(String received) {
        String text = Hl7v2Reader.normalise(received == null ? "" : received);
        int end = text.indexOf('\r');
        String msh = end < 0 ? text : text.substring(0, end);
        if (!msh.startsWith("MSH") || msh.length() < 8) {
            return new String[0];
        }
        char separator = msh.charAt(3);
        String[] fields = msh.split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1);
        String encoding = fields.length > 1 ? fields[1] : "";
        if (!STANDARD_ENCODING.equals(encoding) || separator != '|') {
            for (int i = 2; i < fields.length; i++) {
                fields[i] = inStandardDelimiters(fields[i], encoding);
            }
        }
        return fields;
    }

    /** A field written with the sender's delimiters (MSH-2: component, repetition, escape, subcomponent), in ours. */
    private static String inStandardDelimiters(String field, String encoding) {
        StringBuilder ours = new StringBuilder(field.length());
        for (char c : field.toCharArray()) {
            int delimiter = encoding.indexOf(c);
            if (delimiter >= 0 && delimiter < STANDARD_ENCODING.length()) {
                ours.append(STANDARD_ENCODING.charAt(delimiter));
            } else {
                // one of our delimiters that was plain text for the sender: escaped (\F\ \S\ \R\ \E\ \T\)
                switch (c) {
                    case '|' -> ours.append("\\F\\");
                    case '^' -> ours.append("\\S\\");
                    case '~' -> ours.append("\\R\\");
                    case '\\' -> ours.append("\\E\\");
                    case '&' -> ours.append("\\T\\");
                    default -> ours.append(c);
                }
            }
        }
        return ours.toString();
    }

    /** MSH-n, or its component (1-based; 0: the whole field), "" when absent. */
    private static String field(String[] header, int field, int component) {
        if (header.length < field) {
            return "";
        }
        String value = header[field - 1];
        if (component == 0) {
            return value;
        }
        String[] components = value.split("\\^", -1);
        return components.length >= component ? components[component - 1] : "";
    }
}
