package org.portalsync.source.soap;

import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.source.hl7v2.MappingFile;

/**
 * Runs after the last page's records have each been stored or dead-lettered: moves the source's mark (feed: the
 * operation) to the newest LastModified the poll read. Only at the end of a poll, never per page: the service need not
 * answer in LastModified order, so a poll that fails half way moves nothing and the next one reads the rest again (what
 * it already holds, the pipeline finds unchanged and does not write). After a full read, also keeps when it started, from
 * which the next full read is due. Nothing when the service takes no ChangedSince.
 */
public final class AdvanceSoapMark implements Processor {

    private final SyncHighWaterMarks marks;

    /** @param marks null: the service takes no ChangedSince (every poll reads every record) */
    public AdvanceSoapMark(SyncHighWaterMarks marks) {
        this.marks = marks;
    }

    @Override
    public void process(Exchange exchange) {
        Instant mark = exchange.getProperty(StartSoapPoll.POLL_MARK, Instant.class);
        MappingFile mapping = exchange.getProperty(StartSoapPoll.MAPPING, MappingFile.class);
        if (marks != null && mark != null) {
            marks.advance(mapping.source(), mapping.soap().operation(), mark);
        }
        Instant fullRead = exchange.getProperty(StartSoapPoll.FULL_READ_AT, Instant.class);
        if (marks != null && fullRead != null) {
            // its deletions are through too (routes/soap-patient-poll.yaml): the next full read is due an interval from its start
            marks.advance(mapping.source(), StartSoapPoll.fullReadFeed(mapping), fullRead);
        }
    }
}
