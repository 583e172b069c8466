package org.portalsync.metrics;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;

/**
 * Counts one record's outcome in the sync metrics, by its source and resource type, for the sources whose
 * records do not pass through a FHIR feed's poll counts (which count their own): the HL7 v2 inbox and the SOAP poll.
 */
public final class RecordSyncOutcome implements Processor {

    /** Its name in the Camel registry, as the routes use it. */
    public static final String REGISTRY_NAME = "recordSyncOutcome";

    private final SyncMetrics metrics;

    public RecordSyncOutcome(SyncMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void process(Exchange exchange) {
        SyncOutcome outcome = exchange.getMessage().getHeader(SyncHeaders.OUTCOME, SyncOutcome.class);
        // a dead letter is counted where it is stored (RecordDeadLetter), and the steps after it may not run
        if (outcome != null && outcome != SyncOutcome.DEAD_LETTERED) {
            metrics.recordOutcome(exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class),
                    SyncMetrics.resourceType(exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class)), outcome);
        }
    }
}
