package org.portalsync.source.hl7v2;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.parser.PipeParser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;

/**
 * Reads an HL7 v2 message as senders really send it into HAPI's v2.5.1 model, whatever version MSH-12
 * names (the mapping files name their paths in v2.5.1; fields a later version added are kept as extra
 * fields, so that the unmapped-fields report still lists them). A UTF-8 byte order mark is dropped and
 * LF or CR LF segment ends are read as the CR the standard asks for. A message HAPI cannot read is a
 * {@link Hl7v2MessageException} whose text names no value from it.
 */
public final class Hl7v2Reader {

    /** The version whose structures mapping files are checked against and messages are read into. */
    public static final String VERSION = "2.5.1";

    private final PipeParser parser;

    public Hl7v2Reader() {
        HapiContext context = new DefaultHapiContext();
        context.setModelClassFactory(new CanonicalModelClassFactory(VERSION));
        // what a message must hold is the mapping's to say (required rules), not HAPI's default checks
        context.setValidationContext(ValidationContextFactory.noValidation());
        // and no walk of the message for rules that are not there
        context.getParserConfiguration().setValidating(false);
        context.getParserConfiguration().setAllowUnknownVersions(true);
        this.parser = context.getPipeParser();
    }

    /** The text with its byte order mark, line ends and blank lines tidied as described above. */
    public static String normalise(String text) {
        String message = text.startsWith("\uFEFF") ? text.substring(1) : text;
        StringBuilder out = new StringBuilder(message.length());
        for (String segment : message.split("\r\n|\r|\n")) {
            if (!segment.isBlank()) {
                if (out.length() > 0) {
                    out.append('\r');
                }
                out.append(segment);
            }
        }
        return out.toString();
    }

    public Hl7v2Message read(String text) {
        String message = normalise(text);
        if (!message.startsWith("MSH") || message.length() < 8) {
            throw new Hl7v2MessageException("MSH", "the message does not begin with an MSH segment", ErrorCode.SEGMENT_SEQUENCE_ERROR);
        }
        try {
            return new Hl7v2Message(parser.parse(message), message);
        } catch (HL7Exception e) {
            // HAPI's text may quote the message; name the segment and the kind of problem only
            String where = e.getLocation() == null || e.getLocation().getSegmentName() == null ? "message" : e.getLocation().getSegmentName();
            throw new Hl7v2MessageException(where, "HAPI cannot read the message (" + e.getError() + ")", ErrorCode.SEGMENT_SEQUENCE_ERROR);
        } catch (RuntimeException e) {
            throw new Hl7v2MessageException("message", "HAPI cannot read the message (" + e.getClass().getSimpleName() + ")",
                    ErrorCode.SEGMENT_SEQUENCE_ERROR);
        }
    }
}
