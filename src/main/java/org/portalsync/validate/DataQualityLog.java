package org.portalsync.validate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.StatementBatches;

/**
 * Writes data-quality rows for the front desk's daily digest, inside the caller's transaction. A
 * problem already waiting for the digest (same record, field and problem) is not written twice:
 * polls re-read records, and the front desk needs one row per thing to fix.
 */
public final class DataQualityLog {

    /** Whether a problem already waits for the digest; runs once per problem of every record synced (ix_data_quality_issue_record). */
    public static final String PENDING_SQL =
            "SELECT 1 FROM data_quality_issue WHERE source = ? AND record_ref = ? AND field = ? AND problem = ? AND reported_at IS NULL";

    private static final String INSERT_SQL =
            "INSERT INTO data_quality_issue (detected_at, source, record_ref, field, problem, rejects_record) VALUES (?, ?, ?, ?, ?, ?)";

    /** A problem of a source's record, found at that moment. */
    public record Found(String source, DataQualityIssue issue, Instant detectedAt) {
    }

    /** Answers whether a problem already waits for the digest. */
    @FunctionalInterface
    public interface Waiting {
        boolean includes(DataQualityIssue issue) throws SQLException;
    }

    public void record(Connection connection, String source, List<DataQualityIssue> issues, Instant now) throws SQLException {
        if (issues.isEmpty()) {
            return;
        }
        try (StatementBatches writes = new StatementBatches(connection)) {
            record(writes, source, issues, now, askEach(connection, source));
            writes.flush();
        }
    }

    /** Writes the problems that are not {@code waiting} already, held in {@code writes}. */
    public void record(StatementBatches writes, String source, List<DataQualityIssue> issues, Instant now, Waiting waiting) throws SQLException {
        for (DataQualityIssue issue : issues) {
            if (!waiting.includes(issue)) {
                writes.write(INSERT_SQL, insert -> bind(insert, new Found(source, issue, now)));
            }
        }
    }

    /** Asks the database once per problem ({@link #PENDING_SQL}). */
    public static Waiting askEach(Connection connection, String source) {
        return issue -> {
            try (PreparedStatement pending = connection.prepareStatement(PENDING_SQL)) {
                pending.setString(1, source);
                pending.setString(2, issue.record());
                pending.setString(3, issue.field());
                pending.setString(4, truncate(issue.problem()));
                try (var rows = pending.executeQuery()) {
                    return rows.next();
                }
            }
        };
    }

    /** Reads the problems waiting for these records of a source in one statement (a page of a poll), and answers from them. */
    public static Waiting readAhead(Connection connection, String source, Collection<String> records) throws SQLException {
        if (records.isEmpty()) {
            return issue -> false;
        }
        Set<List<String>> waiting = new HashSet<>();
        List<String> refs = List.copyOf(records);
        try (PreparedStatement pending = connection.prepareStatement(
                // record_ref first: an index on it serves an IN list on H2 too (ix_data_quality_issue_record)
                "SELECT record_ref, field, problem FROM data_quality_issue WHERE record_ref IN ("
                        + PortalDatabase.placeholders(refs.size()) + ") AND source = ? AND reported_at IS NULL")) {
            for (int i = 0; i < refs.size(); i++) {
                pending.setString(i + 1, refs.get(i));
            }
            pending.setString(refs.size() + 1, source);
            try (var rows = pending.executeQuery()) {
                while (rows.next()) {
                    waiting.add(Arrays.asList(rows.getString(1), rows.getString(2), rows.getString(3)));
                }
            }
        }
        return issue -> waiting.contains(Arrays.asList(issue.record(), issue.field(), truncate(issue.problem())));
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
        bind(insert, found);
        insert.addBatch();
    }

    private static void bind(PreparedStatement insert, Found found) throws SQLException {
        insert.setObject(1, PortalDatabase.utc(found.detectedAt()));
        insert.setString(2, found.source());
        insert.setString(3, found.issue().record());
        insert.setString(4, found.issue().field());
        insert.setString(5, truncate(found.issue().problem()));
        insert.setBoolean(6, found.issue().rejectsRecord());
    }

    private static String truncate(String problem) {
        return problem.length() <= 2000 ? problem : problem.substring(0, 2000);
    }
}
