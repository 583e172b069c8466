package org.portalsync.sync;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.mapping.MappedPatient;
import org.portalsync.portal.DeliverPortalPatient;
import org.portalsync.portal.MergeReplacedPatients;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the mapped patients of one page in one transaction: one commit per page instead of one per
 * record, the page's rows read and locked in a few statements and its writes sent as JDBC batches
 * ({@link DeliverPortalPatient#deliverAll}), each record written exactly as {@link DeliverPortalPatient} writes it alone (its audit row,
 * data-quality rows, status and welcome with it). If anything in the page fails, the transaction is
 * rolled back whole and {@link #ONE_BY_ONE} sends each record through the single-record route, with its
 * own transaction, retries and dead letter: one bad record cannot block its page. A record that names a merge
 * ({@link MergeReplacedPatients#namesMerge}) goes that way too, after the page, as do the other records of its
 * record in the page: the single-record route merges after it delivers. The body becomes the records to deliver one by
 * one ({@link PageRecords.Held}), in the page's order.
 */
public final class DeliverPatientPage implements Processor {

    /** Header: true when the page's records must be delivered one by one. */
    public static final String ONE_BY_ONE = "PortalSyncDeliverOneByOne";

    private static final Logger LOG = LoggerFactory.getLogger(DeliverPatientPage.class);

    private final PortalDatabase database;
    private final DeliverPortalPatient delivery;
    private final boolean enabled;
    private final Clock clock;

    /** @param enabled false: every record goes one by one (a dry run, or page transactions switched off) */
    public DeliverPatientPage(PortalDatabase database, DeliverPortalPatient delivery, boolean enabled, Clock clock) {
        this.database = database;
        this.delivery = delivery;
        this.enabled = enabled;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        PageRecords page = exchange.getProperty(PageRecords.PROPERTY, PageRecords.class);
        List<PageRecords.Held> records = page == null ? List.of() : page.inOrder();
        Set<String> merging = records.stream().filter(held -> MergeReplacedPatients.namesMerge(held.sourceResource()))
                .map(PageRecords.Held::record).collect(Collectors.toSet());
        List<PageRecords.Held> together = records.stream().filter(held -> !merging.contains(held.record())).toList();
        List<PageRecords.Held> oneByOne = together.isEmpty() || deliveredTogether(exchange, together)
                ? records.stream().filter(held -> merging.contains(held.record())).toList() : records;
        exchange.getMessage().setBody(oneByOne);
        exchange.getMessage().setHeader(ONE_BY_ONE, !oneByOne.isEmpty());
    }

    private boolean deliveredTogether(Exchange exchange, List<PageRecords.Held> records) {
        if (!enabled) {
            return false;
        }
        List<SyncOutcome> outcomes;
        try {
            outcomes = database.inTransaction(connection -> {
                Instant now = clock.instant();
                Set<String> sources = records.stream().map(PageRecords.Held::source).collect(Collectors.toSet());
                Set<String> distinct = records.stream().map(PageRecords.Held::record).collect(Collectors.toSet());
                if (sources.size() == 1 && distinct.size() == records.size()) {
                    return delivery.deliverAll(connection, records.get(0).source(), records.stream()
                            .map(held -> new DeliverPortalPatient.Incoming(held.record(), (MappedPatient) held.body())).toList(), now);
                }
                // a record twice in a page (it changed while the page was read): each must see the one before it
                List<SyncOutcome> delivered = new ArrayList<>(records.size());
                for (PageRecords.Held held : records) {
                    delivered.add(delivery.deliver(connection, held.source(), held.record(), (MappedPatient) held.body(), now));
                }
                return delivered;
            });
        } catch (RuntimeException e) {
            LOG.info("A page of {} records could not be written in one transaction ({}); writing them one by one", records.size(),
                    SafeFailureText.of(e));
            return false;
        }
        PollStats stats = exchange.getProperty(SyncHeaders.POLL_STATS, PollStats.class);
        if (stats != null) {
            outcomes.forEach(stats::record);
        }
        return true;
    }
}
