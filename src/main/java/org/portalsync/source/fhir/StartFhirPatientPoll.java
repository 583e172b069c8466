package org.portalsync.source.fhir;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.sync.DryRunReport;
import org.portalsync.sync.PollStats;
import org.portalsync.sync.SyncHeaders;

/**
 * Opens a poll: the first search URL asks for patients changed since the high-water mark (less the
 * overlap), oldest first so that the mark can follow page by page, and only the mapped elements.
 * {@code ge} rather than {@code gt}: two records with the same lastUpdated on both sides of a page
 * boundary must not be skipped after a crash; a re-read unchanged record costs a comparison.
 * What the EHR does not support ({@link FhirServerCapabilities}) is left out of the URL, with its fallback.
 */
public final class StartFhirPatientPoll implements Processor {

    public static final String FEED = "Patient";

    private final String source;
    private final String baseUrl;
    private final String extraSearch;
    private final int pageSize;
    private final Duration overlap;
    private final List<String> elements;
    private final SyncHighWaterMarks marks;
    private final boolean dryRun;
    private final Clock clock;
    private final FhirServerCapabilities capabilities;

    /** @param extraSearch URL-encoded search parameters that narrow the poll (e.g. one location), or empty */
    public StartFhirPatientPoll(String source, String baseUrl, String extraSearch, int pageSize, Duration overlap, List<String> elements,
            SyncHighWaterMarks marks, boolean dryRun, Clock clock, FhirServerCapabilities capabilities) {
        this.source = source;
        this.baseUrl = baseUrl;
        this.extraSearch = extraSearch;
        this.pageSize = pageSize;
        this.overlap = overlap;
        this.elements = List.copyOf(elements);
        this.marks = marks;
        this.dryRun = dryRun;
        this.clock = clock;
        this.capabilities = capabilities;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        exchange.setProperty(SyncHeaders.POLL_STATS, new PollStats(clock.instant()));
        if (dryRun) {
            exchange.setProperty(SyncHeaders.DRY_RUN_REPORT, new DryRunReport());
        }
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        FhirServerSupport support = capabilities.check();
        StringBuilder url = new StringBuilder(baseUrl).append("/Patient?");
        if (support.lastUpdatedSearch()) {
            marks.read(source, FEED).ifPresent(mark -> url.append("_lastUpdated=ge").append(mark.minus(overlap)).append('&'));
        }
        if (!extraSearch.isEmpty()) {
            url.append(extraSearch).append('&');
        }
        if (support.sortByLastUpdated()) {
            url.append("_sort=_lastUpdated&");
        }
        url.append("_count=").append(pageSize);
        if (!elements.isEmpty() && support.elements()) {
            url.append("&_elements=").append(String.join(",", elements));
        }
        // unsorted, a later page may hold older records than this one: the mark waits for the last page
        FhirFeed.open(exchange, FEED, url.toString(), support.sortByLastUpdated(), false);
    }
}
