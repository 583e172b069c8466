package org.portalsync.source.fhir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.SearchParameters;

/**
 * Starts a Bulk Data export of the feed's resource type (Bulk Data Access IG, "Bulk Data Kick-off Request"):
 * {@code GET [base]/$export?_type=Patient&_outputFormat=application/fhir+ndjson} with {@code Prefer: respond-async},
 * {@code _since} when the load resumes, and the feed's own search as {@code _typeFilter}, so the export holds the
 * same patients the search would. The EHR answers 202 with the job's status URL in {@code Content-Location}.
 */
public final class KickOffBulkExport implements Processor {

    static final String NDJSON = "application/fhir+ndjson";

    private final String baseUrl;
    private final String endpoint;
    private final FhirSourceClient client;
    private final Clock clock;

    /** @param endpoint the kick-off path under the base URL, e.g. {@code $export} or {@code Group/1/$export} */
    public KickOffBulkExport(String baseUrl, String endpoint, FhirSourceClient client, Clock clock) {
        this.baseUrl = baseUrl;
        this.endpoint = endpoint;
        this.client = client;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String type = FhirFeed.resourceType(exchange);
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
        exchange.setProperty(FhirFeed.EXPORT_STATUS_URL, statusUrl);
        exchange.setProperty(FhirFeed.EXPORT_STARTED, clock.instant());
        exchange.setProperty(FhirFeed.EXPORT_WAIT, 0L);
        exchange.setProperty(FhirFeed.EXPORT_FILES, null);
        exchange.getMessage().setBody(statusUrl);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
