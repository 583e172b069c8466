package org.portalsync.metrics;

import java.time.Duration;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.portalsync.sync.SyncOutcome;

/**
 * The engine's own metrics, served in Prometheus form on the management server ({@code /observe/metrics},
 * README "Metrics and health"). Labels are names the engine chose (source, resource type, outcome, feed,
 * alert kind, channel), never a record id, a patient's value or a secret: a label's values must stay few.
 */
public final class SyncMetrics {

    /** Its name in the Camel registry, where the binders of each concern find it. */
    public static final String REGISTRY_NAME = "syncMetrics";

    /** Records that reached the portal (or were found already there): created, updated, archived, unchanged, stale. */
    public static final String RECORDS_SYNCED = "portal.sync.records.synced";
    /** Records that did not: rejected (a data-quality row) or dead-lettered. */
    public static final String RECORDS_FAILED = "portal.sync.records.failed";
    public static final String POLL_DURATION = "portal.sync.poll.duration";
    public static final String WEBHOOK_LATENCY = "portal.sync.webhook.latency";
    public static final String ALERTS_SENT = "portal.sync.alerts.sent";

    private final MeterRegistry registry;

    public SyncMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * One record's sync ended.
     *
     * @param resourceType e.g. {@code Patient}; null or blank counts as {@code unknown}
     */
    public void recordOutcome(String source, String resourceType, SyncOutcome outcome) {
        boolean failed = outcome == SyncOutcome.REJECTED || outcome == SyncOutcome.DEAD_LETTERED;
        Counter.builder(failed ? RECORDS_FAILED : RECORDS_SYNCED)
                .description(failed ? "Records that did not reach the portal, by why" : "Records synced to the portal, by what happened")
                .tag("source", label(source))
                .tag("resource_type", label(resourceType))
                .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                .register(registry)
                .increment();
    }

    /** A poll of a feed ended, however it ended. @param feed the poll's route id, e.g. {@code fhir-patient-poll} */
    public void pollFinished(String feed, Duration took) {
        Timer.builder(POLL_DURATION).description("How long a poll of a feed took, from trigger to its last page")
                .tag("feed", label(feed)).register(registry).record(took);
    }

    /** A resource a webhook named is in the portal (or dead-lettered): the time since the EHR's notification arrived. */
    public void webhookDelivered(String source, String resourceType, Duration sinceReceived) {
        Timer.builder(WEBHOOK_LATENCY).description("From a webhook notification received to its resource synced to the portal")
                .tag("source", label(source)).tag("resource_type", label(resourceType)).register(registry)
                .record(sinceReceived.isNegative() ? Duration.ZERO : sinceReceived);
    }

    /** A channel took an alert (or its recovery notice). @param notice {@code alert} or {@code recovered} */
    public void alertSent(String kind, String channel, String notice) {
        Counter.builder(ALERTS_SENT).description("Alert notices a channel accepted")
                .tag("kind", label(kind)).tag("channel", label(channel)).tag("notice", label(notice).toLowerCase(Locale.ROOT))
                .register(registry).increment();
    }

    private static String label(String value) {
        return value == null || value.isBlank() ? "unknown" : value;
    }

    /** For callers that only know a record reference such as {@code Patient/123}: its type, never its id. */
    public static String resourceType(String recordRef) {
        if (recordRef == null) {
            return null;
        }
        int slash = recordRef.indexOf('/');
        return slash < 0 ? null : recordRef.substring(0, slash);
    }
}
