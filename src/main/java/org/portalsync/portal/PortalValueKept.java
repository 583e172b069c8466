package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * What a delivery does, in its transaction, when the authority rules kept a portal value against an EHR
 * change of a field that is written back: ask for the portal's values to go to the EHR again.
 */
@FunctionalInterface
public interface PortalValueKept {

    /** Nothing: write-back is off. */
    PortalValueKept NOTHING = (connection, patientId, ehrVersion, now) -> { };

    void after(Connection connection, long patientId, String ehrVersion, Instant now) throws SQLException;
}
