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

    /**
     * Adds to the count of the problem's oldest row still waiting for the digest (ix_data_quality_issue_record finds
     * it). A row the digest is reporting meanwhile keeps the count it was read with (DigestStore.reported): what is
     * added here after that read is reported with the next digest.
     */
    public static final String COUNT_SQL = "UPDATE data_quality_issue SET occurrences = occurrences + ?, last_detected_at = ?"
            + " WHERE id = (SELECT MIN(id) FROM data_quality_issue WHERE record_ref = ? AND source = ? AND field = ? AND problem = ?"
            + " AND reported_at IS NULL) AND reported_at IS NULL";

    private static final String INSERT_COUNTED_SQL = "INSERT INTO data_quality_issue (detected_at, source, record_ref, field, problem,"
            + " rejects_record, occurrences, last_detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

    /** A problem of a kind, counted each time it is found again (its record names the kind, e.g. a mapping). */
    public record Counted(String source, DataQualityIssue issue) {
    }

    /** A problem of a source's record, found at that moment. */
    private record Found(String source, DataQualityIssue issue, Instant detectedAt) {
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
     * Counts repeats of one problem: the same problem found again while its row waits for the digest adds to that
     * row's occurrences and moves its last_detected_at; otherwise a row is written with these occurrences. For a
     * problem of a kind rather than of a record (what a mapping leaves unread in every message of a type), so that the
     * digest shows it once with its count. Two writers may each write a row for the same problem at the same moment:
     * both are reported, none is lost.
     *
     * @param occurrences how many times it was found, the first at {@code firstAt} and the last at {@code lastAt}
     */
    public void count(Connection connection, Counted counted, int occurrences, Instant firstAt, Instant lastAt) throws SQLException {
        String source = counted.source();
        DataQualityIssue issue = counted.issue();
        // the second "reported_at IS NULL": a writer that waited for the digest's lock on the row finds it reported and writes a new one
        try (PreparedStatement update = connection.prepareStatement(COUNT_SQL)) {
            update.setInt(1, occurrences);
            update.setObject(2, PortalDatabase.utc(lastAt));
            update.setString(3, issue.record());
            update.setString(4, source);
            update.setString(5, issue.field());
            update.setString(6, truncate(issue.problem()));
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_COUNTED_SQL)) {
            bind(insert, new Found(source, issue, firstAt));
            insert.setInt(7, occurrences);
            insert.setObject(8, PortalDatabase.utc(lastAt));
            insert.executeUpdate();
        }
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
