package org.portalsync.alert;

import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.portal.PortalDatabaseException;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.EhrUnavailableException;

/** What an alert is about, so that the alert route can tell IT "EHR down" from "our credentials are wrong". */
public enum AlertKind {
    EHR_DOWN, AUTH_FAILURE, EHR_REJECTED_REQUEST, PORTAL_DB_DOWN, DELIVERY_FAILURE;

    public static AlertKind of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof AuthenticationFailedException) {
                return AUTH_FAILURE;
            }
            if (cause instanceof EhrUnavailableException) {
                return EHR_DOWN;
            }
            if (cause instanceof EhrRequestRejectedException) {
                return EHR_REJECTED_REQUEST;
            }
            if (cause instanceof PortalDatabaseException || cause instanceof java.sql.SQLException) {
                return PORTAL_DB_DOWN;
            }
        }
        return DELIVERY_FAILURE;
    }
}
