package org.portalsync.webhook;

/** The request headers of a webhook notification, and the names its steps share on an exchange. */
public final class WebhookHeaders {

    /** When the sender signed the request: seconds since the Unix epoch (UTC), e.g. {@code 1795000000}. */
    public static final String TIMESTAMP = "X-PortalSync-Timestamp";
    /** {@code sha256=<hex>}: HMAC-SHA256 with the source's secret over {@code <timestamp>.<body bytes>}. */
    public static final String SIGNATURE = "X-PortalSync-Signature";
    /** The sender's unique id of this notification; seen twice, the second is a replay. */
    public static final String EVENT_ID = "X-PortalSync-Event-Id";

    /** Exchange property: the verified signature (hex), or absent for an unsigned Subscription notification. */
    static final String VERIFIED_SIGNATURE = "PortalSyncWebhookSignature";
    /** Exchange property: the source named in the path, once it is known to be this engine's. */
    static final String SOURCE = "PortalSyncWebhookSource";
    /** Header: the resources an accepted request put into the inbox ({@code Patient/123}), to be taken up at once. */
    public static final String INBOX_KEYS = "PortalSyncInboxKeys";
    /** Header: true when the request asked for a Subscription catch-up. */
    /** The sync route of a resource the inbox read in a batch, e.g. {@code direct:patient-sync}. */
    static final String SYNC_URI = "PortalSyncInboxSyncUri";
    public static final String CATCH_UP = "PortalSyncCatchUp";

    private WebhookHeaders() {
    }
}
