package org.portalsync.source.fhir;

/**
 * A URL the engine was about to request with the EHR's bearer token is not on the EHR's own origin
 * (another host, another port, or plain http): refused before anything is sent, not retried,
 * dead-lettered with an UNSAFE_LINK alert.
 */
public class UnsafeLinkException extends RuntimeException {

    public UnsafeLinkException(String message) {
        super(message);
    }
}
