package org.portalsync.welcome;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatient;
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

    /** @return the decision, for the caller's report; the row, if any, is written with {@code connection} */
    public Welcome enqueue(Connection connection, long patientId, PortalPatient patient, Instant now) throws SQLException {
        Welcome welcome = policy.decide(patient, initialLoads.inProgress(connection, patient.source(), patientFeed));
        if (!welcome.sends()) {
            LOG.debug("{}: {}", patient.reference(), welcome);
            return welcome;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO welcome_outbox (patient_id, created_at, recipient_kind, recipient_email) VALUES (?, ?, ?, ?)")) {
            insert.setLong(1, patientId);
            insert.setObject(2, PortalDatabase.utc(now));
            insert.setString(3, welcome.recipient().name());
            insert.setString(4, welcome.email());
            insert.executeUpdate();
        }
        return welcome;
    }
}
