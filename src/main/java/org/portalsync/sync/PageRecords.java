package org.portalsync.sync;

import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The records of one page that are ready to be delivered together, in the page's order: the sync
 * workers add them as they map them ({@link HoldForPage}), {@link DeliverPatientPage} takes them all.
 * Lives in an exchange property of the page loop, which the split's records share.
 */
public final class PageRecords {

    /** Property: the running page's {@link PageRecords}. */
    public static final String PROPERTY = "portalSyncPageRecords";

    /**
     * One record ready for delivery.
     *
     * @param sourceResource the resource as the source sent it, for a dead letter that can be replayed
     */
    public record Held(String source, String record, Object body, Object sourceResource) {
    }

    private final ConcurrentSkipListMap<Integer, Held> held = new ConcurrentSkipListMap<>();

    void add(int index, Held record) {
        held.put(index, record);
    }

    public List<Held> inOrder() {
        return List.copyOf(held.values());
    }
}
