package org.portalsync.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.source.fhir.FetchFhirResources;
import org.portalsync.source.fhir.FhirEntry;
import org.portalsync.source.fhir.ParseFhirEntry;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.webhook.WebhookNotification.ResourceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Syncs one resource of the webhook inbox (the body, {@code Patient/123}), and with it, once that resource
 * has waited {@code portal-sync.webhook.batch-after} (the inbox falls behind), up to
 * {@code portal-sync.webhook.batch-size - 1} more of them: the EHR is asked for all of them in one search
 * ({@link FetchFhirResources}), and each is synced from the answer (routes/webhook-inbox.yaml,
 * {@code direct:webhook-inbox-sync}). A resource the answer lacks, or all of them when the search fails, goes
 * through its type's refresh route, which reads it alone (404 and 410 are told apart there). However many
 * notifications named a resource meanwhile, in whatever order, one read serves them all, and the portal never
 * gets a version older than the one it holds.
 *
 * <p>Each resource is claimed first ({@code webhook_claim}): a worker that finds it claimed leaves it,
 * since the holder looks for rows that arrived during its sync after it lets go, and syncs again. The
 * rows are marked done only after the sync ended, synced or dead-lettered; if the route itself fails
 * (the portal database down), they stay pending for the sweep.
 */
public final class RefreshInboxResource implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RefreshInboxResource.class);
    private static final String SYNC_ENTRY_URI = "direct:webhook-inbox-sync";

    private final String source;
    private final WebhookInbox inbox;
    private final FetchFhirResources reader;
    private final int batchSize;
    private final Duration batchAfter;
    private final ProducerTemplate template;
    private final Clock clock;
    private final SyncMetrics metrics;
    /** Names this engine's claims; a claim left by a crash is taken over after the claim timeout. */
    private final String worker = UUID.randomUUID().toString();

    /**
     * @param batchSize  most resources read in one search
     * @param batchAfter how long the resource taken must have waited for a search; until then each is read by id
     */
    public RefreshInboxResource(String source, WebhookInbox inbox, FetchFhirResources reader, int batchSize, Duration batchAfter,
            ProducerTemplate template, Clock clock, SyncMetrics metrics) {
        this.source = source;
        this.inbox = inbox;
        this.reader = reader;
        this.batchSize = batchSize;
        this.batchAfter = batchAfter;
        this.template = template;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        ResourceKey first = ResourceKey.parse(exchange.getIn().getMandatoryBody(String.class));
        Map<ResourceKey, Long> batch = claimBatch(first);
        List<ResourceKey> finished = new ArrayList<>();
        if (batch.size() > 1) {
            Map<String, FhirEntry> read = readAll(first.type(), batch);
            for (Map.Entry<ResourceKey, Long> claimed : batch.entrySet()) {
                ResourceKey resource = claimed.getKey();
                FhirEntry entry = read.get(resource.id());
                if (syncClaimed(resource, claimed.getValue(), entry == null ? refresh(resource) : fromEntry(resource, entry))) {
                    finished.add(resource);
                }
            }
        } else if (batch.size() == 1 && syncClaimed(first, batch.get(first), refresh(first))) {
            finished.add(first);
        }
        // let go first, then look: a row stored while this worker held a claim is seen here or by its own worker
        for (ResourceKey resource : inbox.withPendingRows(source, first.type(), finished)) {
            syncAlone(resource);
        }
    }

    /**
     * Claims the resource and more of its type that wait, each with the newest of its rows found before
     * the claim: the EHR is read after that, so its answer serves every row up to it. A resource another
     * worker holds, or whose rows are done, is left out; one finished by another worker between the look
     * and the claim is synced once more, which changes nothing.
     */
    private Map<ResourceKey, Long> claimBatch(ResourceKey first) {
        Map<ResourceKey, Long> batch = new LinkedHashMap<>();
        Instant now = clock.instant();
        // under a burst most resources handed over were taken into another worker's batch: one read tells
        WebhookInbox.Unclaimed firstRows = inbox.unclaimed(source, first, now);
        if (firstRows == null || !inbox.claim(source, first, worker, now)) {
            return batch;
        }
        batch.put(first, firstRows.newest());
        // while the inbox keeps up (this resource waited less than batch-after), a read by id each: the cheapest request a
        // FHIR server answers, and the quickest (a search by _id goes through the server's search machinery; HAPI FHIR on
        // H2 scans its resource table for it); a search's resources are synced one after the other, so a batch also delays
        // its last ones. By this resource's own wait, not the oldest row's: a row left pending (a failed sync, waiting for
        // the sweep) does not turn every later read into a search.
        if (batchSize == 1 || firstRows.oldestReceivedAt().isAfter(now.minus(batchAfter))) {
            return batch;
        }
        Map<ResourceKey, Long> waiting = inbox.unclaimedPending(source, first.type(), batchSize * 2, now);
        for (Map.Entry<ResourceKey, Long> more : waiting.entrySet()) {
            if (batch.size() >= batchSize) {
                break;
            }
            if (!batch.containsKey(more.getKey()) && inbox.claim(source, more.getKey(), worker, clock.instant())) {
                batch.put(more.getKey(), more.getValue());
            }
        }
        return batch;
    }

    /** @return the resources the EHR answered one search with; none when it failed (each is then read alone) */
    private Map<String, FhirEntry> readAll(String type, Map<ResourceKey, Long> batch) {
        List<String> ids = new ArrayList<>();
        batch.keySet().forEach(resource -> ids.add(resource.id()));
        try {
            return reader.read(type, ids);
        } catch (RuntimeException e) {
            LOG.warn("Webhook inbox: one search for {} {} resources failed, each is read alone: {}", ids.size(), type, SafeFailureText.of(e));
            return Map.of();
        }
    }

    private Exchange refresh(ResourceKey resource) {
        return template.send(WebhookResourceTypes.refreshUri(resource.type()), sync -> sync.getIn().setBody(resource.id()));
    }

    private Exchange fromEntry(ResourceKey resource, FhirEntry entry) {
        return template.send(SYNC_ENTRY_URI, sync -> {
            sync.setProperty(ParseFhirEntry.RESOURCE_TYPE, resource.type());
            sync.getIn().setHeader(SyncHeaders.SOURCE, source);
            sync.getIn().setHeader(SyncHeaders.RECORD, resource.toString());
            sync.getIn().setHeader(WebhookHeaders.SYNC_URI, WebhookResourceTypes.syncUri(resource.type()));
            sync.getIn().setBody(entry);
        });
    }

    /**
     * Marks the resource's rows up to {@code upTo} done after its sync, or leaves them pending when the
     * route itself failed; lets go of the claim either way.
     *
     * @return whether the rows were marked done
     */
    private boolean syncClaimed(ResourceKey resource, long upTo, Exchange sync) {
        boolean finished = false;
        try {
            if (sync.getException() != null) {
                LOG.warn("Webhook inbox: the sync of {} failed; its rows stay pending for the next sweep: {}", resource,
                        SafeFailureText.of(sync.getException()));
                return false;
            }
            boolean deadLettered = sync.getProperty(Exchange.EXCEPTION_CAUGHT) != null;
            Instant now = clock.instant();
            Optional<Instant> received = inbox.finish(source, resource, upTo,
                    deadLettered ? WebhookInbox.Outcome.DEAD_LETTERED : WebhookInbox.Outcome.SYNCED, worker, now);
            // a dead letter is counted where it is stored (RecordDeadLetter)
            SyncOutcome outcome = deadLettered ? null : sync.getMessage().getHeader(SyncHeaders.OUTCOME, SyncOutcome.class);
            if (outcome != null) {
                metrics.recordOutcome(source, resource.type(), outcome);
            }
            received.ifPresent(at -> metrics.webhookDelivered(source, resource.type(), Duration.between(at, now)));
            finished = true;
            return true;
        } finally {
            if (!finished) {
                inbox.release(source, resource, worker);
            }
        }
    }

    /** One resource, read alone, until no row of it waits. */
    private void syncAlone(ResourceKey resource) {
        while (inbox.claim(source, resource, worker, clock.instant())) {
            Long upTo = inbox.newestPending(source, resource);
            if (upTo == null) {
                inbox.release(source, resource, worker);
                return;
            }
            if (!syncClaimed(resource, upTo, refresh(resource)) || inbox.newestPending(source, resource) == null) {
                return;
            }
        }
    }
}
