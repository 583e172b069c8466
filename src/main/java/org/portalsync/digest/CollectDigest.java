package org.portalsync.digest;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** The body becomes the {@link Digest} of everything not reported yet; the route marks exactly that once the mail is sent. */
public final class CollectDigest implements Processor {

    /** Exchange property: the digest being sent. */
    public static final String DIGEST = "portalSyncDigest";

    private final DigestStore store;
    private final Clock clock;

    public CollectDigest(DigestStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Digest digest = store.unreported(clock.instant());
        exchange.setProperty(DIGEST, digest);
        exchange.getMessage().setBody(digest);
    }
}
