package org.portalsync.portal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * The Bulk Data export job each feed's initial load waits for ({@code bulk_export_job}), from kick-off until its
 * files are read or the job failed: an engine restarted meanwhile asks the same job again instead of leaving it
 * running at the EHR and starting another.
 */
public final class BulkExportJobs {

    /** @param statusUrl the job's status URL (the kick-off's Content-Location) @param startedAt when it was kicked off */
    public record Job(String statusUrl, Instant startedAt) {
    }

    private final PortalDatabase database;

    public BulkExportJobs(PortalDatabase database) {
        this.database = database;
    }

    public Optional<Job> find(String source, String feed) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT status_url, started_at FROM bulk_export_job WHERE source = ? AND feed = ?")) {
                select.setString(1, source);
                select.setString(2, feed);
                try (ResultSet rows = select.executeQuery()) {
                    return rows.next()
                            ? Optional.of(new Job(rows.getString(1), rows.getObject(2, OffsetDateTime.class).toInstant()))
                            : Optional.empty();
                }
            }
        });
    }

    public void remember(String source, String feed, Job job) {
        database.inTransaction(connection -> {
            forget(connection, source, feed);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO bulk_export_job (source, feed, status_url, started_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, source);
                insert.setString(2, feed);
                insert.setString(3, job.statusUrl());
                insert.setObject(4, PortalDatabase.utc(job.startedAt()));
                insert.executeUpdate();
            }
            return null;
        });
    }

    public void forget(String source, String feed) {
        database.inTransaction(connection -> {
            forget(connection, source, feed);
            return null;
        });
    }

    private static void forget(java.sql.Connection connection, String source, String feed) throws java.sql.SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM bulk_export_job WHERE source = ? AND feed = ?")) {
            delete.setString(1, source);
            delete.setString(2, feed);
            delete.executeUpdate();
        }
    }
}
