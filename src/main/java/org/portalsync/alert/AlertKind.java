package org.portalsync.alert;

import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.EhrUnavailableException;

/** What an alert is about, so that the alert route can tell IT "EHR down" from "our credentials are wrong". */
public enum AlertKind {
    EHR_DOWN, AUTH_FAILURE, EHR_REJECTED_REQUEST, PORTAL_DB_DOWN, DELIVERY_FAILURE,
    /** A welcome message the mail server refused portal-sync.welcome.max-attempts times; it waits for an operator. */
    WELCOME_UNDELIVERED;

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
            if (cause instanceof java.sql.SQLException sql && isConnectionFailure(sql)) {
                return PORTAL_DB_DOWN;
            }
        }
        return DELIVERY_FAILURE;
    }

    /** SQLSTATE class 08 is "connection exception" (SQL:2016); a pool timeout says the same. */
    private static boolean isConnectionFailure(java.sql.SQLException failure) {
        return failure instanceof java.sql.SQLTransientConnectionException || failure instanceof java.sql.SQLNonTransientConnectionException
                || (failure.getSQLState() != null && failure.getSQLState().startsWith("08"));
    }
}
