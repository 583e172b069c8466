package org.portalsync.validate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.portalsync.portal.PortalDatabase;

/** Writes data-quality rows for the front desk's daily digest, inside the caller's transaction. */
public final class DataQualityLog {

    public void record(Connection connection, String source, List<DataQualityIssue> issues, Instant now) throws SQLException {
        if (issues.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO data_quality_issue (detected_at, source, record_ref, field, problem, rejects_record) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (DataQualityIssue issue : issues) {
                insert.setObject(1, PortalDatabase.utc(now));
                insert.setString(2, source);
                insert.setString(3, issue.record());
                insert.setString(4, issue.field());
                insert.setString(5, issue.problem().length() <= 2000 ? issue.problem() : issue.problem().substring(0, 2000));
                insert.setBoolean(6, issue.rejectsRecord());
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
