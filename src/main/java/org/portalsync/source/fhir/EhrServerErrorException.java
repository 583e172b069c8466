package org.portalsync.source.fhir;

/**
 * The EHR answered with a server error other than "unavailable" (500, 501, 505...): it is up, but
 * failing. Retried like an outage; its alert (EHR_SERVER_ERROR) tells IT to look at the EHR's side.
 */
public class EhrServerErrorException extends EhrUnavailableException {

    private final int status;

    public EhrServerErrorException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
