package org.portalsync.source.fhir;

import java.time.Clock;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.SearchParameters;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.sync.DryRunReport;
import org.portalsync.sync.PollStats;
import org.portalsync.sync.SyncHeaders;

/**
 * Opens a poll of one FHIR feed. What the feed reads is configured in its route file, as exchange
 * properties ({@link FhirFeed#RESOURCE_TYPE}, {@link FhirFeed#SEARCH}, {@link FhirFeed#ELEMENTS},
 * {@link FhirFeed#INCLUDE}): a new resource type is a route file and a mapping, not new classes.
 *
 * <p>The first search URL asks for resources changed since the feed's high-water mark (less the
 * overlap), oldest first so that the mark can follow page by page. {@code ge} rather than {@code gt}:
 * two records with the same lastUpdated on both sides of a page boundary must not be skipped after a
 * crash; a re-read unchanged record costs a comparison. What the EHR does not support
 * ({@link FhirServerCapabilities}) is left out of the URL, with its fallback.
 */
public final class StartFhirSearchFeed implements Processor {

    private final String source;
    private final String baseUrl;
    private final int pageSize;
    private final Duration overlap;
    private final SyncHighWaterMarks marks;
    private final boolean dryRun;
    private final Clock clock;
    private final FhirServerCapabilities capabilities;
    private final SyncMetrics metrics;

    public StartFhirSearchFeed(String source, String baseUrl, int pageSize, Duration overlap, SyncHighWaterMarks marks, boolean dryRun,
            Clock clock, FhirServerCapabilities capabilities, SyncMetrics metrics) {
        this.source = source;
        this.baseUrl = baseUrl;
        this.pageSize = pageSize;
        this.overlap = overlap;
        this.marks = marks;
        this.dryRun = dryRun;
        this.clock = clock;
        this.capabilities = capabilities;
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String resourceType = FhirFeed.resourceType(exchange);
        exchange.setProperty(SyncHeaders.POLL_STATS, new PollStats(clock.instant(), "Patient".equals(resourceType) ? "patients" : resourceType + " resources",
                outcome -> metrics.recordOutcome(source, resourceType, outcome)));
        if (dryRun) {
            exchange.setProperty(SyncHeaders.DRY_RUN_REPORT, new DryRunReport());
        }
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        FhirServerSupport support = capabilities.check();
        StringBuilder url = new StringBuilder(baseUrl).append('/').append(resourceType).append('?');
        if (support.lastUpdatedSearch()) {
            marks.read(source, resourceType).ifPresent(mark -> url.append("_lastUpdated=ge").append(mark.minus(overlap)).append('&'));
        }
        String search = SearchParameters.encode(exchange.getProperty(FhirFeed.SEARCH, "", String.class));
        if (!search.isEmpty()) {
            url.append(search).append('&');
        }
        if (support.sortByLastUpdated()) {
            url.append("_sort=_lastUpdated&");
        }
        url.append("_count=").append(pageSize);
        String elements = exchange.getProperty(FhirFeed.ELEMENTS, "", String.class).strip();
        if (!elements.isEmpty() && support.elements()) {
            url.append("&_elements=").append(elements);
        }
        for (String include : exchange.getProperty(FhirFeed.INCLUDE, "", String.class).split(",")) {
            if (!include.isBlank()) {
                url.append("&_include=").append(include.strip());
            }
        }
        // unsorted, a later page may hold older records than this one: the mark waits for the last page
        FhirFeed.open(exchange, resourceType, url.toString(), support.sortByLastUpdated(), false);
    }
}
