package org.portalsync.validate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.portalsync.portal.PortalDatabase;

/**
 * Writes data-quality rows for the front desk's daily digest, inside the caller's transaction. A
 * problem already waiting for the digest (same record, field and problem) is not written twice:
 * polls re-read records, and the front desk needs one row per thing to fix.
 */
public final class DataQualityLog {

    /** Whether a problem already waits for the digest; runs once per problem of every record synced (ix_data_quality_issue_pending). */
    public static final String PENDING_SQL =
            "SELECT 1 FROM data_quality_issue WHERE source = ? AND record_ref = ? AND field = ? AND problem = ? AND reported_at IS NULL";

    private static final String INSERT_SQL =
            "INSERT INTO data_quality_issue (detected_at, source, record_ref, field, problem, rejects_record) VALUES (?, ?, ?, ?, ?, ?)";

    /** A problem of a source's record, found at that moment. */
    public record Found(String source, DataQualityIssue issue, Instant detectedAt) {
    }

    public void record(Connection connection, String source, List<DataQualityIssue> issues, Instant now) throws SQLException {
        if (issues.isEmpty()) {
            return;
        }
        try (PreparedStatement pending = connection.prepareStatement(PENDING_SQL);
                PreparedStatement insert = connection.prepareStatement(INSERT_SQL)) {
            for (DataQualityIssue issue : issues) {
                pending.setString(1, source);
                pending.setString(2, issue.record());
                pending.setString(3, issue.field());
                pending.setString(4, truncate(issue.problem()));
                try (var rows = pending.executeQuery()) {
                    if (rows.next()) {
                        continue;
                    }
                }
                add(insert, new Found(source, issue, now));
            }
            insert.executeBatch();
        }
    }

    /**
     * Writes problems that cannot be waiting already, without asking first: each names what makes it new (e.g. the
     * control id of the message just stored, HL7 v2 intake). One batch for all of them.
     */
    public void recordNew(Connection connection, List<Found> problems) throws SQLException {
        if (problems.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_SQL)) {
            for (Found found : problems) {
                add(insert, found);
            }
            insert.executeBatch();
        }
    }

    private static void add(PreparedStatement insert, Found found) throws SQLException {
        insert.setObject(1, PortalDatabase.utc(found.detectedAt()));
        insert.setString(2, found.source());
        insert.setString(3, found.issue().record());
        insert.setString(4, found.issue().field());
        insert.setString(5, truncate(found.issue().problem()));
        insert.setBoolean(6, found.issue().rejectsRecord());
        insert.addBatch();
    }

    private static String truncate(String problem) {
        return problem.length() <= 2000 ? problem : problem.substring(0, 2000);
    }
}
