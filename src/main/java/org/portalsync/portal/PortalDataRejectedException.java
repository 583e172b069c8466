package org.portalsync.portal;

/**
 * The portal database refused a record's data: SQLSTATE class 22 (data exception, e.g. a value
 * too long for its column) or 23 (integrity constraint). The same data would be refused again, so
 * it is dead-lettered at once instead of retried (routes/error-handling.yaml).
 */
public class PortalDataRejectedException extends PortalDatabaseException {

    public PortalDataRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
