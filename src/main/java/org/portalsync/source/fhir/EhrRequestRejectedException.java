package org.portalsync.source.fhir;

/** The EHR refused the request itself (a 4xx other than 401, 404, 410 and 429): our request or configuration is wrong. */
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
