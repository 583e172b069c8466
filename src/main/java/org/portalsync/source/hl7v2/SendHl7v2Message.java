package org.portalsync.source.hl7v2;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.Connection;
import ca.uhn.hl7v2.llp.LLPException;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.parser.CanonicalModelClassFactory;
import ca.uhn.hl7v2.util.Terser;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import org.portalsync.source.fhir.EhrUnavailableException;

/**
 * Sends one HL7 v2 message to a legacy EHR over MLLP (HAPI v2's own client) and waits for its acknowledgement. No
 * answer in time, or no connection, is an {@link EhrUnavailableException} (the write-back tries again later); an
 * answer is returned whatever its code, for the caller to judge. Thread-safe: one connection per message.
 */
public final class SendHl7v2Message {

    /**
     * The legacy EHR's answer: MSA-1 ({@code AA}, {@code AE}, {@code AR}; or {@code CA}, {@code CE}, {@code CR}), and for
     * a NACK the HL7 error code (ERR-3, table 0357) and its location (ERR-2), never its text, which may quote a value.
     */
    public record Ack(String code, String errorCode, String errorLocation) {

        public boolean accepted() {
            return "AA".equals(code) || "CA".equals(code);
        }

        public String describe() {
            return code + (errorCode.isEmpty() ? "" : " (HL7 error " + errorCode + (errorLocation.isEmpty() ? "" : " at " + errorLocation) + ")");
        }
    }

    private final String host;
    private final int port;
    private final Duration timeout;
    private final HapiContext hapi;

    public SendHl7v2Message(String host, int port, Duration timeout) {
        this.host = host;
        this.port = port;
        this.timeout = timeout;
        this.hapi = new DefaultHapiContext();
        hapi.setModelClassFactory(new CanonicalModelClassFactory(Hl7v2Reader.VERSION));
        hapi.setValidationContext(ValidationContextFactory.noValidation());
    }

    /** @throws EhrUnavailableException when the EHR cannot be reached or does not answer within the timeout */
    public Ack send(Message message) {
        Connection connection;
        try {
            connection = hapi.newLazyClient(host, port, false);
        } catch (HL7Exception e) {
            throw new EhrUnavailableException("the legacy EHR's MLLP listener " + host + ":" + port + " cannot be reached", e);
        }
        try {
            connection.getInitiator().setTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Message ack = connection.getInitiator().sendAndReceive(message);
            Terser terser = new Terser(ack);
            return new Ack(value(terser, "/MSA-1"), value(terser, "/ERR-3-1"), value(terser, "/ERR-2-1")
                    + (value(terser, "/ERR-2-3").isEmpty() ? "" : "-" + value(terser, "/ERR-2-3")));
        } catch (HL7Exception | LLPException | IOException e) {
            throw new EhrUnavailableException("no acknowledgement from the legacy EHR " + host + ":" + port + " within " + timeout
                    + " (" + e.getClass().getSimpleName() + ")", e);
        } finally {
            try {
                connection.close();
            } catch (IOException | RuntimeException e) {
                // the answer, or its absence, is what counts; the socket goes either way
            }
        }
    }

    private static String value(Terser terser, String path) {
        try {
            String value = terser.get(path);
            return value == null ? "" : value.strip();
        } catch (HL7Exception | RuntimeException e) {
            return "";
        }
    }
}
