package org.portalsync.health;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Readiness: the portal database answers. Without it nothing is stored, so nothing may be acknowledged. */
public final class PortalDatabaseCheck extends AbstractHealthCheck {

    private static final int VALID_WITHIN_SECONDS = 2;

    private final DataSource database;

    public PortalDatabaseCheck(DataSource database) {
        super(EhrChecks.GROUP, "portal-db");
        this.database = database;
    }

    @Override
    public boolean isLiveness() {
        // a restart does not bring a database back
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection connection = database.getConnection()) {
            if (connection.isValid(VALID_WITHIN_SECONDS)) {
                builder.up();
            } else {
                builder.down().message("the portal database did not answer within " + VALID_WITHIN_SECONDS + " s");
            }
        } catch (SQLException e) {
            // the SQLSTATE, not the driver's text: it may quote a value
            builder.down().message("the portal database cannot be reached (SQLSTATE " + e.getSQLState() + ")").detail("sqlState", e.getSQLState());
        }
    }
}
