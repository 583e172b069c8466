package org.portalsync.alert;

import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.source.fhir.BulkExportFailedException;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.portalsync.source.fhir.UnsafeLinkException;

/** What an alert is about, so that the alert route can tell IT "EHR down" from "our credentials are wrong". */
public enum AlertKind {
    EHR_DOWN, AUTH_FAILURE, EHR_REJECTED_REQUEST, PORTAL_DB_DOWN, DELIVERY_FAILURE,
    /** A dead-lettered record still fails after its bounded re-syncs: an operator must look. */
    RESYNC_EXHAUSTED,
    /** The EHR sent a link to another origin (host, port or scheme); it was not followed and no token went there. */
    UNSAFE_LINK,
    /**
     * Many reads answered 404 Not Found within a short time: more likely a wrong base URL or a lost
     * scope than that many patients became restricted. Raised by no failure, so {@link #of} never returns it.
     */
    EHR_NOT_FOUND_SURGE,
    /** A welcome message the mail server refused portal-sync.welcome.max-attempts times; it waits for an operator. */
    WELCOME_UNDELIVERED,
    /** The EHR's Bulk Data export job failed, or ran past portal-sync.source.fhir.export-timeout; the next poll starts a new one. */
    EHR_EXPORT_FAILED,
    /** A portal change the EHR refused, or could not take within portal-sync.write-back.max-attempts: the portal and the EHR differ. */
    WRITE_BACK_FAILED,
    /**
     * A changed HL7 v2 mapping file is broken (or claims messages another file takes): its previous version still
     * serves. Raised by the reload, not by a failure, so {@link #of} never returns it.
     */
    HL7V2_MAPPING_REJECTED;

    public static AlertKind of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof AuthenticationFailedException) {
                return AUTH_FAILURE;
            }
            if (cause instanceof EhrUnavailableException) {
                return EHR_DOWN;
            }
            if (cause instanceof UnsafeLinkException) {
                return UNSAFE_LINK;
            }
            if (cause instanceof BulkExportFailedException) {
                return EHR_EXPORT_FAILED;
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
