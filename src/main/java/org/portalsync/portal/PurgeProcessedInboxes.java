package org.portalsync.portal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The nightly inbox purge (routes/inbox-retention.yaml): deletes the webhook requests and HL7 v2 messages
 * whose work ended longer than the retention ago, and leaves one line, counts only, as the body.
 */
public final class PurgeProcessedInboxes implements Processor {

    private final InboxRetention inboxes;
    private final Duration retention;
    private final Clock clock;

    public PurgeProcessedInboxes(InboxRetention inboxes, Duration retention, Clock clock) {
        this.inboxes = inboxes;
        this.retention = retention;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Instant cutoff = clock.instant().minus(retention);
        InboxRetention.Purged purged = inboxes.purge(cutoff);
        exchange.getMessage().setBody(String.format("Purged the inbox rows done before %s (retention %s): %d webhook requests, %d webhook "
                + "resources, %d HL7 v2 messages", cutoff, days(retention), purged.webhookRequests(), purged.webhookResources(), purged.hl7v2Messages()));
    }

    /** 30d rather than PT720H, as the setting is usually written. */
    private static String days(Duration duration) {
        return duration.toSeconds() % Duration.ofDays(1).toSeconds() == 0 ? duration.toDays() + "d" : duration.toString();
    }
}
