package org.portalsync.sync;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;

import org.h2.api.Trigger;

/** An H2 trigger that fails every write of a patient named "Explode": a portal write that keeps failing. */
public class RefuseExplodingPatient implements Trigger {

    @Override
    public void fire(Connection connection, Object[] oldRow, Object[] newRow) throws SQLException {
        if (newRow != null && Arrays.asList(newRow).contains("Explode")) {
            throw new SQLException("portal refuses this row (test trigger)", "23513");
        }
    }
}
