package org.portalsync.source.fhir;

/**
 * The EHR kept answering 429 Too Many Requests after the waits its Retry-After asked for (or asked
 * for a longer wait than portal-sync.source.fhir.max-retry-after): the engine's request budget is
 * used up. Retried like an outage; its alert (EHR_RATE_LIMITED) says to lower requests-per-minute.
 */
public class EhrRateLimitedException extends EhrUnavailableException {

    public EhrRateLimitedException(String message) {
        super(message);
    }
}
