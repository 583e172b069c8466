package org.portalsync.source.fhir;

import java.io.InputStream;
import java.util.Deque;
import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.PollStats;
import org.portalsync.sync.SyncHeaders;

/**
 * Reads the next batch of an export's NDJSON files: up to page-size lines, as the body (a list of entries for the
 * same split as a search page), opening the next file of the manifest when none is open. Each file is a streaming
 * download ({@link FhirSourceClient#download}) held open between batches and closed at its end, or with the exchange.
 * {@link FhirFeed#EXPORT_MORE} says whether another batch follows.
 */
public final class ReadBulkExportLines implements Processor {

    private final FhirSourceClient client;
    private final int batchSize;

    public ReadBulkExportLines(FhirSourceClient client, int batchSize) {
        this.client = client;
        this.batchSize = batchSize;
    }

    @Override
    public void process(Exchange exchange) {
        String type = FhirFeed.resourceType(exchange);
        @SuppressWarnings("unchecked")
        Deque<String> files = exchange.getProperty(FhirFeed.EXPORT_FILES, Deque.class);
        NdjsonFile file = exchange.getProperty(FhirFeed.EXPORT_FILE, NdjsonFile.class);
        if (file == null) {
            file = open(exchange, type, files);
        }
        List<Object> entries = file.next(batchSize);
        if (file.ended()) {
            file.close();
            exchange.removeProperty(FhirFeed.EXPORT_FILE);
        }
        exchange.setProperty(FhirFeed.EXPORT_MORE, exchange.getProperty(FhirFeed.EXPORT_FILE) != null || !files.isEmpty());
        exchange.getMessage().setBody(entries);
    }

    private NdjsonFile open(Exchange exchange, String type, Deque<String> files) {
        int total = exchange.getProperty(FhirFeed.EXPORT_FILES_READ, 0, Integer.class) + 1;
        String url = files.peek();
        // the URL stays queued until the download answers, so that a retry of this step asks for the same file
        String action = type + ".export-download";
        InputStream body = exchange.getProperty(FhirFeed.EXPORT_FILES_TOKEN_FREE, false, Boolean.class)
                ? client.downloadWithoutToken(url, action, KickOffBulkExport.NDJSON)
                : client.download(url, action, KickOffBulkExport.NDJSON);
        files.poll();
        exchange.setProperty(FhirFeed.EXPORT_FILES_READ, total);
        NdjsonFile file = new NdjsonFile(type, total, body);
        exchange.setProperty(FhirFeed.EXPORT_FILE, file);
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                file.close();
            }
        });
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats != null) {
            stats.pageFetched();
        }
        return file;
    }
}
