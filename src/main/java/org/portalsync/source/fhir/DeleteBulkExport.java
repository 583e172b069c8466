package org.portalsync.source.fhir;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.BulkExportJobs;

/**
 * Tells the EHR the export's files are read (Bulk Data Access IG, "Bulk Data Delete Request": {@code DELETE} on the
 * status URL), so it may drop them. Runs after the mark moved: a failure here loses nothing. A 404 is fine: some
 * EHRs (HAPI FHIR among them) answer it for a job that has completed and keep the files until they expire. The job is
 * forgotten first: its files are read, and a restart must not ask for it again.
 */
public final class DeleteBulkExport implements Processor {

    private final FhirSourceClient client;
    private final BulkExportJobs jobs;
    private final String source;

    public DeleteBulkExport(FhirSourceClient client, BulkExportJobs jobs, String source) {
        this.client = client;
        this.jobs = jobs;
        this.source = source;
    }

    @Override
    public void process(Exchange exchange) {
        jobs.forget(source, FhirFeed.resourceType(exchange));
        String statusUrl = exchange.getProperty(FhirFeed.EXPORT_STATUS_URL, String.class);
        client.delete(statusUrl, FhirFeed.resourceType(exchange) + ".export-delete");
    }
}
