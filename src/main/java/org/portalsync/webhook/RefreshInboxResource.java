package org.portalsync.webhook;

import java.time.Clock;
import java.util.UUID;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.webhook.WebhookNotification.ResourceKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Syncs one resource of the webhook inbox (the body, {@code Patient/123}) through its refresh route,
 * which reads the EHR's current version: however many notifications named it meanwhile, in whatever
 * order, one read serves them all, and the portal never gets a version older than the one it holds.
 *
 * <p>The resource is claimed first ({@code webhook_claim}): a worker that finds it claimed leaves it,
 * since the holder looks for rows that arrived during its sync after it lets go, and syncs again. The
 * rows are marked done only after the refresh route ended, synced or dead-lettered; if the route
 * itself fails (the portal database down), they stay pending for the sweep.
 */
public final class RefreshInboxResource implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(RefreshInboxResource.class);

    private final String source;
    private final WebhookInbox inbox;
    private final ProducerTemplate template;
    private final Clock clock;
    /** Names this engine's claims; a claim left by a crash is taken over after the claim timeout. */
    private final String worker = UUID.randomUUID().toString();

    public RefreshInboxResource(String source, WebhookInbox inbox, ProducerTemplate template, Clock clock) {
        this.source = source;
        this.inbox = inbox;
        this.template = template;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        ResourceKey resource = ResourceKey.parse(exchange.getIn().getMandatoryBody(String.class));
        String uri = WebhookResourceTypes.refreshUri(resource.type());
        while (inbox.claim(source, resource, worker, clock.instant())) {
            boolean finished = false;
            try {
                Long upTo = inbox.newestPending(source, resource);
                if (upTo == null) {
                    return;
                }
                Exchange refresh = template.send(uri, sync -> sync.getIn().setBody(resource.id()));
                if (refresh.getException() != null) {
                    LOG.warn("Webhook inbox: the sync of {} failed; its rows stay pending for the next sweep: {}", resource,
                            SafeFailureText.of(refresh.getException()));
                    return;
                }
                boolean deadLettered = refresh.getProperty(Exchange.EXCEPTION_CAUGHT) != null;
                inbox.finish(source, resource, upTo, deadLettered ? WebhookInbox.Outcome.DEAD_LETTERED : WebhookInbox.Outcome.SYNCED,
                        worker, clock.instant());
                finished = true;
            } finally {
                if (!finished) {
                    inbox.release(source, resource, worker);
                }
            }
            // let go first, then look: a row stored while this worker held the claim is seen here or by its own worker
            if (inbox.newestPending(source, resource) == null) {
                return;
            }
        }
    }
}
