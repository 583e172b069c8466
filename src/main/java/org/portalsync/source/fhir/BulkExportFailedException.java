package org.portalsync.source.fhir;

/**
 * The EHR says a Bulk Data export job failed (its status URL answered 4xx or 5xx with an OperationOutcome whose
 * issues are not {@code transient}: Bulk Data IG, "Status Request"), or it ran past portal-sync.source.fhir.export-timeout.
 * Asking again gets the same answer: dead-lettered at once with an alert; the next poll kicks off a new export.
 */
public class BulkExportFailedException extends EhrRequestRejectedException {

    public BulkExportFailedException(String message, int status) {
        super(message, status);
    }
}
