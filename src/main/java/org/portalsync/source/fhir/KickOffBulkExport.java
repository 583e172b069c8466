package org.portalsync.source.fhir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.SearchParameters;
import org.portalsync.portal.BulkExportJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Bulk Data export of the feed's resource type (Bulk Data Access IG, "Bulk Data Kick-off Request"):
 * {@code GET [base]/$export?_type=Patient&_outputFormat=application/fhir+ndjson} with {@code Prefer: respond-async},
 * {@code _since} when the load resumes, and the feed's own search as {@code _typeFilter}, so the export holds the
 * same patients the search would. The EHR answers 202 with the job's status URL in {@code Content-Location}, which is
 * remembered ({@link BulkExportJobs}) until the job's files are read or it failed: an engine restarted while the EHR
 * still prepares the files asks that job again instead of kicking off another.
 */
public final class KickOffBulkExport implements Processor {

    static final String NDJSON = "application/fhir+ndjson";

    private static final Logger LOG = LoggerFactory.getLogger(KickOffBulkExport.class);

    private final String baseUrl;
    private final String endpoint;
    private final FhirSourceClient client;
    private final BulkExportJobs jobs;
    private final String source;
    private final Clock clock;

    /** @param endpoint the kick-off path under the base URL, e.g. {@code $export} or {@code Group/1/$export} */
    public KickOffBulkExport(String baseUrl, String endpoint, FhirSourceClient client, BulkExportJobs jobs, String source, Clock clock) {
        this.baseUrl = baseUrl;
        this.endpoint = endpoint;
        this.client = client;
        this.jobs = jobs;
        this.source = source;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String type = FhirFeed.resourceType(exchange);
        Optional<BulkExportJobs.Job> running = jobs.find(source, type);
        if (running.isPresent()) {
            LOG.info("Asking again for the export of {} kicked off at {}, before the engine last stopped", type, running.get().startedAt());
            waitFor(exchange, running.get(), true);
            return;
        }
        StringBuilder url = new StringBuilder(baseUrl).append('/').append(endpoint)
                .append("?_type=").append(type)
                .append("&_outputFormat=").append(encode(NDJSON));
        Instant since = exchange.getProperty(FhirFeed.EXPORT_SINCE, Instant.class);
        if (since != null) {
            url.append("&_since=").append(since);
        }
        String search = SearchParameters.encode(exchange.getProperty(FhirFeed.SEARCH, "", String.class));
        if (!search.isEmpty()) {
            url.append("&_typeFilter=").append(encode(type + "?" + search));
        }
        String action = type + ".export";
        FhirResponse response = client.kickOff(url.toString(), action);
        String statusUrl = response.header("Content-Location").orElse(null);
        if (response.status() != 202 || statusUrl == null) {
            throw new BulkExportFailedException("EHR answered " + action + " with HTTP " + response.status()
                    + (statusUrl == null ? " and no Content-Location" : "") + ", not 202 Accepted with a status URL", response.status());
        }
        BulkExportJobs.Job job = new BulkExportJobs.Job(statusUrl, clock.instant());
        jobs.remember(source, type, job);
        waitFor(exchange, job, false);
    }

    private static void waitFor(Exchange exchange, BulkExportJobs.Job job, boolean resumed) {
        exchange.setProperty(FhirFeed.EXPORT_STATUS_URL, job.statusUrl());
        exchange.setProperty(FhirFeed.EXPORT_STARTED, job.startedAt());
        exchange.setProperty(FhirFeed.EXPORT_RESUMED, resumed);
        exchange.setProperty(FhirFeed.EXPORT_WAIT, 0L);
        exchange.setProperty(FhirFeed.EXPORT_FILES, null);
        exchange.getMessage().setBody(job.statusUrl());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
