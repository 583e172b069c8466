package org.portalsync.auth;

/** The EHR's token endpoint refused our client, or the EHR refused a fresh token: raises an AUTH_FAILURE alert. */
public class AuthenticationFailedException extends RuntimeException {

    public AuthenticationFailedException(String message) {
        super(message);
    }

    public AuthenticationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
