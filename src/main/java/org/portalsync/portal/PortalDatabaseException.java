package org.portalsync.portal;

/** The portal database failed (unreachable, constraint, timeout): retried, then dead-lettered. */
public class PortalDatabaseException extends RuntimeException {

    public PortalDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}
