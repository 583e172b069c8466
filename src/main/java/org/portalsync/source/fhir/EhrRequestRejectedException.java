package org.portalsync.source.fhir;

/**
 * The EHR refused the request itself (a 4xx other than 401, 404, 408, 410 and 429): our request or
 * configuration is wrong, and sending it again gets the same answer, so it is dead-lettered at once.
 */
public class EhrRequestRejectedException extends RuntimeException {

    private final int status;

    public EhrRequestRejectedException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
