package org.portalsync.webhook;

import java.util.List;

/**
 * What one webhook request says: resources that changed at the EHR, or a FHIR Subscription's status
 * (handshake, heartbeat, event notification with the resources it names).
 *
 * @param resources    the resources to sync again, in the order named (may repeat)
 * @param subscription the Subscription's status; null for a plain notification
 */
public record WebhookNotification(Kind kind, List<ResourceKey> resources, SubscriptionStatus subscription) {

    public WebhookNotification {
        resources = List.copyOf(resources);
    }

    /** Stored in {@code webhook_inbox.kind}. */
    public enum Kind {
        RESOURCE("resource"), HANDSHAKE("subscription-handshake"), HEARTBEAT("subscription-heartbeat"),
        EVENT("subscription-event-notification");

        private final String stored;

        Kind(String stored) {
            this.stored = stored;
        }

        public String stored() {
            return stored;
        }
    }

    /** One resource at the EHR, e.g. {@code Patient/123}. */
    public record ResourceKey(String type, String id) {
        public static ResourceKey parse(String key) {
            int slash = key.indexOf('/');
            return new ResourceKey(key.substring(0, slash), key.substring(slash + 1));
        }

        @Override
        public String toString() {
            return type + "/" + id;
        }
    }

    /**
     * The SubscriptionStatus of a backport notification Bundle.
     *
     * @param eventsSinceStart {@code eventsSinceSubscriptionStart}; null when absent
     * @param eventNumbers     the {@code notificationEvent.eventNumber}s, in order
     */
    public record SubscriptionStatus(String subscription, String topic, String status, String type, Long eventsSinceStart,
            List<Long> eventNumbers) {
        public SubscriptionStatus {
            eventNumbers = List.copyOf(eventNumbers);
        }
    }
}
