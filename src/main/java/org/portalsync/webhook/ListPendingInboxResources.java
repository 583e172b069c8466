package org.portalsync.webhook;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.webhook.WebhookNotification.ResourceKey;

/**
 * The resources with rows still pending in the webhook inbox (the body becomes their keys,
 * {@code Patient/123}): those a restart left, or whose hand-over was lost (a full queue, a failed sync).
 */
public final class ListPendingInboxResources implements Processor {

    /** At most this many per sweep; the next sweep takes the rest. */
    private static final int LIMIT = 5000;

    private final String source;
    private final WebhookInbox inbox;

    public ListPendingInboxResources(String source, WebhookInbox inbox) {
        this.source = source;
        this.inbox = inbox;
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(inbox.pending(source, LIMIT).stream().map(ResourceKey::toString).toList());
    }
}
