package org.portalsync.digest;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The mail server took the digest: its rows are reported (and its warnings sent), and no later digest repeats them. */
public final class MarkDigestReported implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.digest");

    private final DigestStore store;
    private final Clock clock;

    public MarkDigestReported(DigestStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        Digest digest = exchange.getProperty(CollectDigest.DIGEST, Digest.class);
        store.reported(digest, clock.instant());
        LOG.info("Sent the data-quality digest: {} entries in {} groups, {} warnings", digest.entries().size(), digest.groups().size(),
                digest.warnings().size());
    }
}
