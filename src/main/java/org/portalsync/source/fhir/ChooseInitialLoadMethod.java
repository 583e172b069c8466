package org.portalsync.source.fhir;

import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.PortalSyncSettings.InitialLoadMethod;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.portal.SyncInitialLoads;
import org.portalsync.sync.SyncHeaders;

/**
 * Decides whether this poll reads its feed by Bulk Data {@code $export} ({@link FhirFeed#BULK_EXPORT}): only while
 * the feed's initial load is not complete, and only when portal-sync.source.fhir.initial-load says {@code export},
 * or {@code auto} and the EHR's CapabilityStatement lists the export operation. Every later poll searches from
 * the mark the export left. An initial load that a search began and did not finish has a mark: the export then
 * asks only for what changed since (less the overlap), {@code _since}.
 */
public final class ChooseInitialLoadMethod implements Processor {

    private final String source;
    private final InitialLoadMethod method;
    private final SyncInitialLoads initialLoads;
    private final SyncHighWaterMarks marks;
    private final Duration overlap;
    private final FhirServerCapabilities capabilities;

    public ChooseInitialLoadMethod(String source, InitialLoadMethod method, SyncInitialLoads initialLoads, SyncHighWaterMarks marks,
            Duration overlap, FhirServerCapabilities capabilities) {
        this.source = source;
        this.method = method;
        this.initialLoads = initialLoads;
        this.marks = marks;
        this.overlap = overlap;
        this.capabilities = capabilities;
    }

    @Override
    public void process(Exchange exchange) {
        String feed = exchange.getProperty(SyncHeaders.FEED, String.class);
        boolean export = switch (method) {
            case SEARCH -> false;
            case EXPORT -> true;
            case AUTO -> capabilities.check().bulkExport();
        };
        export = export && !initialLoads.completed(source, feed);
        exchange.setProperty(FhirFeed.BULK_EXPORT, export);
        exchange.setProperty(FhirFeed.EXPORT_SINCE, export ? marks.read(source, feed).map(mark -> mark.minus(overlap)).orElse(null) : null);
    }
}
