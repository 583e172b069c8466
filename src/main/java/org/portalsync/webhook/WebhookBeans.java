package org.portalsync.webhook;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.source.fhir.FetchFhirResources;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the beans of the webhook routes ({@code routes/webhooks.yaml}, {@code routes/webhook-inbox.yaml},
 * {@code routes/fhir-subscription-watch.yaml}) by the names they use. The routes start only with
 * {@code portal-sync.webhook.enabled} and the API's server (never in a dry run).
 */
public final class WebhookBeans {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookBeans.class);

    private WebhookBeans() {
    }

    /** @param apiOpen whether the API's server runs (see ApiBeans): the webhook endpoint is served by it */
    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean apiOpen, PortalDatabase database, Clock clock) {
        boolean enabled = settings.webhookEnabled() && apiOpen;
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.WEBHOOK_ENABLED, String.valueOf(enabled));
        String source = settings.sourceName();
        String secret = settings.webhookSecret();
        if (enabled && secret.isEmpty()) {
            LOG.warn("{} is empty: {} takes only unsigned FHIR Subscription notifications at /webhooks/{}", PortalSyncSettings.WEBHOOK_SECRET,
                    source, source);
        }
        Registry registry = camel.getRegistry();
        WebhookInbox inbox = new WebhookInbox(database, settings.duration(PortalSyncSettings.WEBHOOK_CLAIM_TIMEOUT));
        FhirSubscriptions subscriptions = new FhirSubscriptions(list(settings.raw(PortalSyncSettings.SUBSCRIPTION_CATCH_UP_TYPES)));
        registry.bind("verifyWebhookSignature", new VerifyWebhookSignature(new WebhookSecrets(Map.of(source, secret)),
                settings.duration(PortalSyncSettings.WEBHOOK_MAX_AGE), clock));
        registry.bind("parseWebhookNotification", new ParseWebhookNotification(settings.fhirBaseUrl()));
        registry.bind("acceptWebhookNotification", new AcceptWebhookNotification(database, inbox, subscriptions,
                new WebhookResourceTypes(list(settings.raw(PortalSyncSettings.WEBHOOK_RESOURCE_TYPES)), camel), clock));
        registry.bind("awaitCommitsOnDisk", new AwaitCommitsOnDisk(database));
        registry.bind("refreshInboxResource", new RefreshInboxResource(source, inbox, registry.lookupByNameAndType("fetchFhirResources",
                FetchFhirResources.class), settings.positiveInt(PortalSyncSettings.WEBHOOK_BATCH_SIZE),
                settings.duration(PortalSyncSettings.WEBHOOK_BATCH_AFTER), camel.createProducerTemplate(), clock,
                registry.lookupByNameAndType(SyncMetrics.REGISTRY_NAME, SyncMetrics.class)));
        registry.bind("listPendingInboxResources", new ListPendingInboxResources(source, inbox));
        registry.bind("findSilentSubscriptions", new FindSilentSubscriptions(database, subscriptions,
                settings.duration(PortalSyncSettings.SUBSCRIPTION_HEARTBEAT_PERIOD),
                settings.positiveInt(PortalSyncSettings.SUBSCRIPTION_HEARTBEAT_MISSES), clock));
        registry.bind("runSubscriptionCatchUps", new RunSubscriptionCatchUps(database, subscriptions, new RunPollNow(camel),
                settings.duration(PortalSyncSettings.WEBHOOK_CLAIM_TIMEOUT), clock));
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(type -> !type.isEmpty()).toList();
    }
}
