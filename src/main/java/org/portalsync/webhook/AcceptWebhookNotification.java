package org.portalsync.webhook;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.ApiResponses;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.webhook.WebhookNotification.Kind;
import org.portalsync.webhook.WebhookNotification.ResourceKey;

/**
 * Stores a verified notification ({@link WebhookNotification}, the body) and answers only once it is
 * committed (and, by the route's next steps, on disk: {@link AwaitCommitsOnDisk}): the request in {@code webhook_inbox}, the resources it names in {@code webhook_inbox_item}
 * (202), a Subscription's handshake or heartbeat in {@code fhir_subscription} (200). A request whose
 * event id or signature is in the inbox already is a replay: 401, nothing stored. The resources are
 * synced after the answer ({@code routes/webhook-inbox.yaml}); their keys go on in the header
 * {@value WebhookHeaders#INBOX_KEYS}.
 */
public final class AcceptWebhookNotification implements Processor {

    private final PortalDatabase database;
    private final WebhookInbox inbox;
    private final FhirSubscriptions subscriptions;
    private final WebhookResourceTypes types;
    private final Clock clock;

    public AcceptWebhookNotification(PortalDatabase database, WebhookInbox inbox, FhirSubscriptions subscriptions, WebhookResourceTypes types,
            Clock clock) {
        this.database = database;
        this.inbox = inbox;
        this.subscriptions = subscriptions;
        this.types = types;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        WebhookNotification notification = exchange.getIn().getMandatoryBody(WebhookNotification.class);
        String source = exchange.getProperty(WebhookHeaders.SOURCE, String.class);
        String signature = exchange.getProperty(WebhookHeaders.VERIFIED_SIGNATURE, String.class);
        if (signature == null && notification.kind() == Kind.RESOURCE) {
            // a source without a secret may only send Subscription notifications (the spec has no signature)
            throw new ApiRefusal(401, "invalid_signature", "This source has no signing secret configured; only FHIR Subscription "
                    + "notifications are taken unsigned.");
        }
        notification.resources().forEach(resource -> types.requireSupported(resource.type()));
        String eventId = VerifyWebhookSignature.requestHeader(exchange, WebhookHeaders.EVENT_ID).orElseGet(() -> derivedEventId(notification));
        Instant now = clock.instant();
        long inboxId;
        Optional<String> catchUp;
        try {
            record Stored(long inboxId, Optional<String> catchUp) {
            }
            // committed, not yet on disk: the route hands the resources over, then waits for the disk before it answers
            Stored stored = database.inTransaction(connection -> {
                long id = inbox.store(connection, source, eventId, signature, notification, now);
                Optional<String> reason = notification.subscription() == null ? Optional.empty()
                        : subscriptions.record(connection, source, notification.kind(), notification.subscription(), notification.resources(), now);
                return new Stored(id, reason);
            });
            inboxId = stored.inboxId();
            catchUp = stored.catchUp();
        } catch (WebhookInbox.ReplayedRequestException e) {
            throw new ApiRefusal(401, "replayed_request", "This request (its " + WebhookHeaders.EVENT_ID + " or signature) was received before.");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", notification.kind() == Kind.HANDSHAKE || notification.kind() == Kind.HEARTBEAT ? "recorded" : "accepted");
        answer.put("inbox_id", inboxId);
        answer.put("resources", notification.resources().size());
        catchUp.ifPresent(reason -> answer.put("catch_up", reason));
        ApiResponses.json(exchange, "accepted".equals(answer.get("status")) ? 202 : 200, answer);
        exchange.getMessage().setHeader(WebhookHeaders.INBOX_KEYS, notification.resources().stream().map(ResourceKey::toString).distinct().toList());
        exchange.getMessage().setHeader(WebhookHeaders.CATCH_UP, catchUp.isPresent());
    }

    /**
     * An unsigned Subscription event without an event id header: its Subscription and event numbers
     * identify it, so that the same notification sent twice is stored once. Handshakes and heartbeats
     * repeat by design and get none.
     */
    private static String derivedEventId(WebhookNotification notification) {
        if (notification.kind() != Kind.EVENT || notification.subscription().eventNumbers().isEmpty()) {
            return null;
        }
        String id = notification.subscription().subscription() + "#" + notification.subscription().eventNumbers();
        return id.length() > 200 ? id.substring(id.length() - 200) : id;
    }
}
