package org.portalsync.source.fhir;

/**
 * The EHR could not be reached or answered with a server error or a timeout: retried with back-off,
 * then dead-lettered with an EHR_DOWN alert.
 */
public class EhrUnavailableException extends RuntimeException {

    public EhrUnavailableException(String message) {
        super(message);
    }

    public EhrUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
