package org.portalsync.welcome;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.StatementBatches;
import org.portalsync.portal.SyncInitialLoads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The welcome workflow's event: for a patient new to the portal, in the transaction that creates
 * it, one {@code welcome_outbox} row addressed as {@link WelcomePolicy} decides, or none. The row's
 * unique patient key makes it once per patient, ever.
 */
public final class WelcomeOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(WelcomeOutbox.class);

    private final WelcomePolicy policy;
    private final SyncInitialLoads initialLoads;
    private final String patientFeed;

    /** @param patientFeed the feed whose initial load brings in the EHR's existing patients */
    public WelcomeOutbox(WelcomePolicy policy, SyncInitialLoads initialLoads, String patientFeed) {
        this.policy = policy;
        this.initialLoads = initialLoads;
        this.patientFeed = patientFeed;
    }

    /** @return true while the patient feed's initial load runs: patients it brings are the EHR's existing ones */
    public boolean initialLoadInProgress(Connection connection, String source) throws SQLException {
        return initialLoads.inProgress(connection, source, patientFeed);
    }

    /**
     * @param initialLoadInProgress as {@link #initialLoadInProgress} answered in this transaction
     * @return the decision, for the caller's report; the row, if any, is held in {@code writes}
     */
    public Welcome enqueue(StatementBatches writes, long patientId, PortalPatient patient, boolean initialLoadInProgress, Instant now)
            throws SQLException {
        Welcome welcome = policy.decide(patient, initialLoadInProgress);
        if (!welcome.sends()) {
            LOG.debug("{}: {}", patient.reference(), welcome);
            return welcome;
        }
        writes.write("INSERT INTO welcome_outbox (patient_id, created_at, recipient_kind, recipient_email) VALUES (?, ?, ?, ?)", insert -> {
            insert.setLong(1, patientId);
            insert.setObject(2, PortalDatabase.utc(now));
            insert.setString(3, welcome.recipient().name());
            insert.setString(4, welcome.email());
        });
        return welcome;
    }

    /**
     * One person, one welcome: when a patient is merged into another, its pending welcome is cancelled; so is the
     * survivor's if the merged record was welcomed already. A portal that reads the outbox skips cancelled rows
     * ({@code cancelled_at}, with the reason in {@code cancel_reason}).
     *
     * @return the rows cancelled
     */
    public static int cancelForMerge(Connection connection, long mergedId, long survivorId, Instant now) throws SQLException {
        int cancelled;
        try (PreparedStatement merged = connection.prepareStatement(CANCEL_PENDING)) {
            merged.setObject(1, PortalDatabase.utc(now));
            merged.setString(2, "merged into portal_patient/" + survivorId);
            merged.setLong(3, mergedId);
            cancelled = merged.executeUpdate();
        }
        try (PreparedStatement survivor = connection.prepareStatement(CANCEL_PENDING
                + " AND EXISTS (SELECT 1 FROM welcome_outbox sent WHERE sent.patient_id = ? AND sent.processed_at IS NOT NULL)")) {
            survivor.setObject(1, PortalDatabase.utc(now));
            survivor.setString(2, "welcomed before as portal_patient/" + mergedId + ", merged into this patient");
            survivor.setLong(3, survivorId);
            survivor.setLong(4, mergedId);
            cancelled += survivor.executeUpdate();
        }
        return cancelled;
    }

    private static final String CANCEL_PENDING = "UPDATE welcome_outbox SET cancelled_at = ?, cancel_reason = ? WHERE patient_id = ?"
            + " AND processed_at IS NULL AND given_up_at IS NULL AND cancelled_at IS NULL";
}
