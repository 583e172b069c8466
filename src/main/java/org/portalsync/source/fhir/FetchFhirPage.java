package org.portalsync.source.fhir;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.PageRecords;
import org.portalsync.sync.PollStats;
import org.portalsync.sync.SyncHeaders;

/**
 * Fetches the page whose URL is the body and replaces the body with the page's entries; the
 * {@code next} link becomes the next page URL (null on the last page). A failed fetch leaves the
 * URL as the body, so that a dead letter says which page failed.
 *
 * <p>While the route writes one page's records, the next page is already on its way: a poll then
 * takes about as long as the slower of fetching and writing, not their sum. At most one request
 * runs ahead of the throttle. A prefetch that failed is dropped, and the retry fetches afresh.
 */
public final class FetchFhirPage implements Processor {

    /** Property: the next page, already requested: {@link Prefetch}. */
    static final String PREFETCH = "portalSyncPrefetchedPage";

    private final FhirSourceClient client;
    private final ExecutorService prefetcher = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fhir-page-prefetch");
        thread.setDaemon(true);
        return thread;
    });

    public FetchFhirPage(FhirSourceClient client) {
        this.client = client;
    }

    private record Prefetch(String url, CompletableFuture<FhirPage> page) {
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String url = exchange.getMessage().getMandatoryBody(String.class);
        // the audit action names the feed's type: next-page links (e.g. HAPI's ?_getpages=) do not
        String action = exchange.getProperty(FhirFeed.RESOURCE_TYPE, "Bundle", String.class)
                + (exchange.getProperty(FhirFeed.DELETIONS_ONLY, false, Boolean.class) ? ".history" : ".search");
        FhirPage page = prefetched(exchange, url);
        if (page == null) {
            page = fetch(url, action);
        }
        exchange.setProperty(FhirFeed.INCLUDED, page.included());
        // the records of this page that are written together (routes/patient-sync.yaml)
        exchange.setProperty(PageRecords.PROPERTY, new PageRecords());
        page.entries().forEach(entry -> FhirFeed.seen(exchange, entry.lastUpdated()));
        exchange.setProperty(SyncHeaders.NEXT_PAGE_URL, page.nextUrl());
        if (page.nextUrl() != null) {
            String next = page.nextUrl();
            exchange.setProperty(PREFETCH, new Prefetch(next, CompletableFuture.supplyAsync(() -> fetch(next, action), prefetcher)));
        }
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats != null) {
            stats.pageFetched();
        }
        boolean deletionsOnly = exchange.getProperty(FhirFeed.DELETIONS_ONLY, false, Boolean.class);
        List<FhirEntry> entries = deletionsOnly ? page.entries().stream().filter(FhirEntry::deleted).toList() : page.entries();
        exchange.getMessage().setBody(entries);
    }

    private static FhirPage prefetched(Exchange exchange, String url) {
        Prefetch prefetch = exchange.getProperty(PREFETCH, Prefetch.class);
        exchange.removeProperty(PREFETCH);
        if (prefetch == null || !prefetch.url().equals(url)) {
            return null;
        }
        try {
            return prefetch.page().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    private FhirPage fetch(String url, String action) {
        FhirResponse response = client.get(url, action);
        if (response.gone() || response.notFound()) {
            throw new EhrRequestRejectedException("EHR answered " + action + " with HTTP " + response.status(), response.status());
        }
        return FhirBundleReader.read(url, response.body());
    }
}
