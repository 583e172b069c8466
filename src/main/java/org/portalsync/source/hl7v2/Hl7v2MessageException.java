package org.portalsync.source.hl7v2;

import ca.uhn.hl7v2.ErrorCode;

/**
 * A message the engine cannot take: unreadable, of a type no mapping takes, or missing or holding a value a
 * mapping cannot use. It names the place ({@code PID-7}, {@code MSH-9}) and the problem, never a value of the
 * message, so that it can go into a NACK's ERR segment, a log line and a data-quality row.
 */
public final class Hl7v2MessageException extends RuntimeException {

    private final String location;
    private final String problem;
    private final ErrorCode code;

    public Hl7v2MessageException(String location, String problem, ErrorCode code) {
        super(location + ": " + problem);
        this.location = location;
        this.problem = problem;
        this.code = code;
    }

    /** e.g. {@code PID-7}, {@code PID-3(5=MR)-1}, {@code MSH-9} or {@code message} */
    public String location() {
        return location;
    }

    public String problem() {
        return problem;
    }

    /** HL7 table 0357, for ERR-3 */
    public ErrorCode code() {
        return code;
    }

    /** AR for a message the engine does not take at all (type, event, unreadable); AE for one whose content is wrong. */
    public boolean rejectsMessageKind() {
        return code == ErrorCode.UNSUPPORTED_MESSAGE_TYPE || code == ErrorCode.UNSUPPORTED_EVENT_CODE
                || code == ErrorCode.SEGMENT_SEQUENCE_ERROR || code == ErrorCode.UNSUPPORTED_VERSION_ID;
    }
}
