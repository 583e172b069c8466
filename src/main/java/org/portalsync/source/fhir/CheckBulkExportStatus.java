package org.portalsync.source.fhir;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.BulkExportJobs;
import org.portalsync.sync.SyncHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request to a running export's status URL (Bulk Data Access IG, "Bulk Data Status Request"), run in a loop
 * by routes/fhir-bulk-export.yaml until the manifest comes:
 * <ul>
 * <li>202: still running. The next request waits the EHR's {@code Retry-After}, at most
 * portal-sync.source.fhir.export-max-poll-wait; without one, 1 s, doubled each time up to that (the IG's
 * exponential backoff). Past portal-sync.source.fhir.export-timeout the export has failed.</li>
 * <li>200: the manifest. Its files of the feed's type are read next (without the access token when the manifest
 * says {@code requiresAccessToken: false}); its {@code transactionTime} becomes the
 * feed's high-water mark once they all are, so the next poll searches from there.</li>
 * <li>4xx/5xx with an OperationOutcome: the job failed ({@link BulkExportFailedException}, not retried), unless every
 * issue is {@code transient} (a passing fault: retried as the EHR being down). A failed or timed-out job is cancelled
 * ({@code DELETE} on its status URL, as the IG asks of a client that gives up) and forgotten.</li>
 * <li>404 or 410 for a job an earlier run of the engine kicked off: the EHR no longer has it (expired, or lost in its
 * own restart); it is forgotten and a new export is kicked off.</li>
 * </ul>
 */
public final class CheckBulkExportStatus implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(CheckBulkExportStatus.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration FIRST_WAIT = Duration.ofSeconds(1);
    private static final int MAX_REASON_CHARS = 300;

    private final FhirSourceClient client;
    private final BulkExportJobs jobs;
    private final String source;
    private final Duration maxPollWait;
    private final Duration timeout;
    private final Clock clock;

    public CheckBulkExportStatus(FhirSourceClient client, BulkExportJobs jobs, String source, Duration maxPollWait, Duration timeout,
            Clock clock) {
        this.client = client;
        this.jobs = jobs;
        this.source = source;
        this.maxPollWait = maxPollWait;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String type = FhirFeed.resourceType(exchange);
        String statusUrl = exchange.getProperty(FhirFeed.EXPORT_STATUS_URL, String.class);
        String action = type + ".export-status";
        FhirResponse response = client.status(statusUrl, action);
        if ((response.status() == 404 || response.status() == 410) && exchange.getProperty(FhirFeed.EXPORT_RESUMED, false, Boolean.class)) {
            LOG.info("The EHR no longer has the export of {} kicked off before the engine last stopped (HTTP {}); kicking off another",
                    type, response.status());
            jobs.forget(source, type);
            exchange.removeProperty(FhirFeed.EXPORT_STATUS_URL);
            return;
        }
        try {
            if (response.status() == 202) {
                waitBeforeNextRequest(exchange, response, action);
            } else if (response.status() >= 200 && response.status() < 300) {
                readManifest(exchange, response.body(), type, action);
            } else {
                throw failure(response, action);
            }
        } catch (BulkExportFailedException e) {
            cancel(statusUrl, type);
            throw e;
        }
    }

    /** Gives up on a job: cancelled at the EHR (a failure to cancel loses nothing), forgotten here. */
    private void cancel(String statusUrl, String type) {
        jobs.forget(source, type);
        try {
            client.delete(statusUrl, type + ".export-cancel");
        } catch (RuntimeException e) {
            LOG.info("Could not cancel the EHR's failed export of {} ({}); it expires at the EHR", type, e.getClass().getSimpleName());
        }
    }

    private void waitBeforeNextRequest(Exchange exchange, FhirResponse response, String action) {
        long previous = exchange.getProperty(FhirFeed.EXPORT_WAIT, 0L, Long.class);
        Optional<Duration> retryAfter = client.retryAfter(response.headers());
        Duration wait = retryAfter.orElse(previous == 0 ? FIRST_WAIT : Duration.ofMillis(previous).multipliedBy(2));
        if (wait.compareTo(maxPollWait) > 0) {
            wait = maxPollWait;
        }
        Instant started = exchange.getProperty(FhirFeed.EXPORT_STARTED, Instant.class);
        if (Duration.between(started, clock.instant().plus(wait)).compareTo(timeout) > 0) {
            throw new BulkExportFailedException("the EHR's export (" + action + ") did not complete within " + timeout
                    + " (portal-sync.source.fhir.export-timeout)", response.status());
        }
        exchange.setProperty(FhirFeed.EXPORT_WAIT, wait.toMillis());
    }

    private static void readManifest(Exchange exchange, String body, String type, String action) {
        JsonNode manifest;
        try {
            manifest = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new EhrUnavailableException("EHR answered " + action + " with a manifest that is not JSON");
        }
        Instant transactionTime = FhirBundleReader.instant(manifest.path("transactionTime").asText(null));
        if (transactionTime == null) {
            throw new BulkExportFailedException("EHR answered " + action + " with a manifest without a valid transactionTime", 200);
        }
        Deque<String> files = new ArrayDeque<>();
        List<String> otherTypes = new ArrayList<>();
        for (JsonNode output : manifest.path("output")) {
            String url = output.path("url").asText("");
            if (type.equals(output.path("type").asText()) && !url.isBlank()) {
                files.add(url);
            } else {
                otherTypes.add(output.path("type").asText("?"));
            }
        }
        int errorFiles = manifest.path("error").size();
        LOG.info("Bulk export of {} complete at the EHR: {} file(s) to read, transactionTime {}{}{}", type, files.size(), transactionTime,
                otherTypes.isEmpty() ? "" : "; ignored files of other types " + otherTypes,
                errorFiles == 0 ? "" : "; the EHR reports " + errorFiles + " error file(s), not read");
        exchange.setProperty(FhirFeed.EXPORT_FILES, files);
        // signed links to a file store: fetched without the token, which then cannot leak to that store
        exchange.setProperty(FhirFeed.EXPORT_FILES_TOKEN_FREE, manifest.path("requiresAccessToken").isBoolean()
                && !manifest.path("requiresAccessToken").asBoolean());
        exchange.setProperty(FhirFeed.EXPORT_MORE, !files.isEmpty());
        // NDJSON is in no order: the mark moves once, after the last file, to the time the export's data stands at
        exchange.setProperty(SyncHeaders.PAGE_HIGH_WATER_MARK, transactionTime);
        exchange.setProperty(FhirFeed.ASCENDING, false);
        exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, null);
    }

    private static RuntimeException failure(FhirResponse response, String action) {
        JsonNode outcome = null;
        try {
            outcome = response.body() == null || response.body().isBlank() ? null : JSON.readTree(response.body());
        } catch (JsonProcessingException notJson) {
            // no OperationOutcome: judged by its status alone
        }
        boolean isOutcome = outcome != null && "OperationOutcome".equals(outcome.path("resourceType").asText());
        if (!isOutcome) {
            return response.status() >= 500
                    ? new EhrUnavailableException("EHR answered " + action + " with HTTP " + response.status())
                    : new EhrRequestRejectedException("EHR rejected " + action + " with HTTP " + response.status(), response.status());
        }
        boolean transientOnly = outcome.path("issue").size() > 0;
        List<String> reasons = new ArrayList<>();
        for (JsonNode issue : outcome.path("issue")) {
            String code = issue.path("code").asText("");
            transientOnly &= "transient".equals(code) || "throttled".equals(code) || "timeout".equals(code);
            String diagnostics = issue.path("diagnostics").asText(issue.path("details").path("text").asText(""));
            reasons.add(code + (diagnostics.isBlank() ? "" : ": " + diagnostics));
        }
        String reason = String.join("; ", reasons);
        if (reason.length() > MAX_REASON_CHARS) {
            reason = reason.substring(0, MAX_REASON_CHARS) + "...";
        }
        if (transientOnly) {
            return new EhrUnavailableException("EHR answered " + action + " with HTTP " + response.status() + " (" + reason + ")");
        }
        return new BulkExportFailedException("the EHR's export failed: " + action + " answered HTTP " + response.status()
                + " (" + reason + ")", response.status());
    }
}
