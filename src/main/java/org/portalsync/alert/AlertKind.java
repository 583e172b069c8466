package org.portalsync.alert;

import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.portal.PortalDataRejectedException;
import org.portalsync.portal.PortalDatabaseException;
import org.portalsync.source.fhir.BulkExportFailedException;
import org.portalsync.source.fhir.EhrRateLimitedException;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.EhrServerErrorException;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.portalsync.source.fhir.UnsafeLinkException;
import org.portalsync.sync.MalformedResourceException;

/**
 * What an alert is about, so that the alert route can tell IT "EHR down" from "our credentials are wrong".
 * {@link #of} derives it from a failure's cause chain; it is the one place that does. A critical kind is
 * sent at once (routes/alert-delivery.yaml); an outage kind is storm-controlled: one alert per source while
 * it lasts, counting its occurrences, and one "recovered" alert when it ends ({@link AlertLog}).
 */
public enum AlertKind {
    /** The EHR (or its token endpoint) cannot be reached, times out, or its gateway says it is not there (502/503/504). */
    EHR_DOWN(true, true),
    /** The token endpoint refused our client, or the EHR refused a fresh token. */
    AUTH_FAILURE(true, true),
    /** The EHR answered with a server error (500 and the like): it is up but failing. */
    EHR_SERVER_ERROR(false, true),
    /** The EHR kept answering 429 after its Retry-After waits: the request budget is used up. */
    EHR_RATE_LIMITED(false, true),
    /** The portal database cannot be reached: held in memory and sent without it (README "Alerts and the daily digest"). */
    PORTAL_DB_DOWN(true, true),
    /** A record the mapping, validation or the portal's columns refuse (SQLSTATE 22/23): the same data fails the same way. */
    MAPPING_FAILURE(false, false),
    EHR_REJECTED_REQUEST(false, false),
    DELIVERY_FAILURE(false, false),
    /** A dead-lettered record still fails after its bounded re-syncs: an operator must look. */
    RESYNC_EXHAUSTED(false, false),
    /** The EHR sent a link to another origin (host, port or scheme); it was not followed and no token went there. */
    UNSAFE_LINK(false, false),
    /**
     * Many reads answered 404 Not Found within a short time: more likely a wrong base URL or a lost
     * scope than that many patients became restricted. Raised by no failure, so {@link #of} never returns it.
     */
    EHR_NOT_FOUND_SURGE(false, false),
    /** A welcome message the mail server refused portal-sync.welcome.max-attempts times; it waits for an operator. */
    WELCOME_UNDELIVERED(false, false),
    /** The EHR's Bulk Data export job failed, or ran past portal-sync.source.fhir.export-timeout; the next poll starts a new one. */
    EHR_EXPORT_FAILED(false, false),
    /** A portal change the EHR refused, or could not take within portal-sync.write-back.max-attempts: the portal and the EHR differ. */
    WRITE_BACK_FAILED(false, false),
    /**
     * A changed HL7 v2 mapping file is broken (or claims messages another file takes): its previous version still
     * serves. Raised by the reload, not by a failure, so {@link #of} never returns it.
     */
    HL7V2_MAPPING_REJECTED(false, false),
    /**
     * A changed mapping file of the SOAP source is broken: its previous version still serves the polls. Raised by the
     * poll that read it, so {@link #of} never returns it.
     */
    SOAP_MAPPING_REJECTED(false, false),
    /**
     * A file of the HL7 v2 drop folder could not be read or held a message the engine cannot take: nothing of it was
     * stored, it lies in error/ with its reason file. Raised by the file drop, so {@link #of} never returns it.
     */
    HL7V2_FILE_REFUSED(false, false),
    /**
     * A file of the legacy document folder could not be read, no mapping takes it, or a mapping refused one of its
     * records: nothing of it was applied, it lies in error/ with its reason file. Raised by the document drop, so
     * {@link #of} never returns it.
     */
    DOCUMENT_FILE_REFUSED(false, false),
    /**
     * A read of the SOAP source no longer listed more of its patients than one full read may archive, or more upcoming
     * appointments than one page may remove: none was. Raised by the SOAP poll (once a day while it lasts), so {@link #of}
     * never returns it.
     */
    SOAP_DELETIONS_HELD(false, false);

    public static final String CRITICAL = "CRITICAL";
    public static final String WARNING = "WARNING";

    private final boolean critical;
    private final boolean outage;

    AlertKind(boolean critical, boolean outage) {
        this.critical = critical;
        this.outage = outage;
    }

    /** Sent through the alert channels at once: IT must act now (authentication, EHR down, portal database down). */
    public boolean critical() {
        return critical;
    }

    /** Its section in docs/runbooks.md: {@code EHR_DOWN} is {@code #ehr-down}. */
    public String runbookAnchor() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** {@code 'EHR_DOWN', 'AUTH_FAILURE'} for an SQL {@code IN (...)}: enum names only, so safe to write into a statement. */
    public static String sqlList(java.util.Collection<AlertKind> kinds) {
        return kinds.isEmpty() ? "''" : kinds.stream().map(kind -> "'" + kind.name() + "'").collect(java.util.stream.Collectors.joining(", "));
    }

    /** The alert row's severity column. */
    public String severity() {
        return critical ? CRITICAL : WARNING;
    }

    /**
     * A state of a whole source rather than of one record: while it lasts, every call fails the same way, so
     * one alert per source stands for all of them, and it ends with a successful call.
     */
    public boolean outage() {
        return outage;
    }

    public static AlertKind of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof AuthenticationFailedException) {
                return AUTH_FAILURE;
            }
            if (cause instanceof EhrRateLimitedException) {
                return EHR_RATE_LIMITED;
            }
            if (cause instanceof EhrServerErrorException) {
                return EHR_SERVER_ERROR;
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
            if (cause instanceof PortalDataRejectedException || cause instanceof MalformedResourceException) {
                return MAPPING_FAILURE;
            }
            if (cause instanceof java.sql.SQLException && PortalDatabaseException.unreachable(cause)) {
                return PORTAL_DB_DOWN;
            }
        }
        return DELIVERY_FAILURE;
    }
}
