package org.portalsync.digest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.portalsync.alert.AlertKind;
import org.portalsync.portal.PortalDatabase;

/**
 * Reads what the daily digest reports and marks it reported. Every row not reported yet is read, not only
 * the last day's: a digest whose mail failed leaves its rows for the next, so none is lost.
 */
public final class DigestStore {

    /** More than a front desk can work through in a day; the rest follow in the next digest. */
    private static final int MAX_ENTRIES = 5_000;

    private final PortalDatabase database;
    private final Set<AlertKind> warnings;

    /** @param warnings the alert kinds the digest reports: those no channel sends at once (portal-sync.alert.routing) */
    public DigestStore(PortalDatabase database, Set<AlertKind> warnings) {
        this.database = database;
        this.warnings = Set.copyOf(warnings);
    }

    public Digest unreported(Instant now) {
        return database.inTransaction(connection -> {
            List<DigestEntry> entries = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, problem, source, record_ref, field, detected_at, occurrences, COALESCE(last_detected_at, detected_at)"
                            + " FROM data_quality_issue WHERE reported_at IS NULL ORDER BY detected_at, id")) {
                select.setMaxRows(MAX_ENTRIES);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new DigestEntry(DigestEntry.DATA_QUALITY, rows.getLong(1), rows.getString(2), rows.getString(3),
                                rows.getString(4), rows.getString(5), PortalDatabase.instant(rows.getObject(6, OffsetDateTime.class)),
                                rows.getInt(7), PortalDatabase.instant(rows.getObject(8, OffsetDateTime.class))));
                    }
                }
            }
            // a discrepancy names the EHR's appointment; a field for field-differs, the whole record otherwise
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT d.id, d.kind, r.source, d.appointment_source_id, d.field, r.started_at FROM reconciliation_discrepancy d"
                            + " JOIN reconciliation_run r ON r.id = d.run_id WHERE d.reported_at IS NULL AND d.resolved_at IS NULL"
                            + " ORDER BY d.id")) {
                select.setMaxRows(MAX_ENTRIES);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        String field = rows.getString(5);
                        entries.add(new DigestEntry(DigestEntry.DISCREPANCY, rows.getLong(1), "reconciliation: " + rows.getString(2),
                                rows.getString(3), "Appointment/" + rows.getString(4), field == null ? "Appointment" : "Appointment." + field,
                                PortalDatabase.instant(rows.getObject(6, OffsetDateTime.class))));
                    }
                }
            }
            // a field both sides changed, resolved for one side under config/authority.yaml: the front desk checks
            // the kept value is right; the discarded value is PHI and stays in its table
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT c.id, c.field, c.kept_side, c.discarded_side, p.source, p.source_id, c.detected_at FROM portal_field_conflict c"
                            + " JOIN portal_patient p ON p.id = c.patient_id WHERE c.reported_at IS NULL ORDER BY c.id")) {
                select.setMaxRows(MAX_ENTRIES);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new DigestEntry(DigestEntry.CONFLICT, rows.getLong(1), "conflict resolved for the " + rows.getString(3)
                                + ", the " + rows.getString(4) + "'s change discarded", rows.getString(5), "Patient/" + rows.getString(6),
                                rows.getString(2), PortalDatabase.instant(rows.getObject(7, OffsetDateTime.class))));
                    }
                }
            }
            List<Digest.Warning> warnings = new ArrayList<>();
            String kinds = AlertKind.sqlList(this.warnings);
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT id, kind, source, message, occurrences, raised_at, COALESCE(last_raised_at, raised_at) FROM alert"
                            + " WHERE kind IN (" + kinds + ") AND sent_at IS NULL ORDER BY id")) {
                select.setMaxRows(MAX_ENTRIES);
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        warnings.add(new Digest.Warning(rows.getLong(1), rows.getString(2), rows.getString(3), rows.getString(4),
                                rows.getInt(5), PortalDatabase.instant(rows.getObject(6, OffsetDateTime.class)),
                                PortalDatabase.instant(rows.getObject(7, OffsetDateTime.class))));
                    }
                }
            }
            return new Digest(now, entries, warnings);
        });
    }

    /** The mail server took the digest: exactly its rows are reported, not any that came in since it was read. */
    public void reported(Digest digest, Instant now) {
        database.inTransaction(connection -> {
            for (DigestEntry entry : digest.entries()) {
                if (entry.table().equals(DigestEntry.DATA_QUALITY)) {
                    markCounted(connection, entry, now);
                } else {
                    mark(connection, "UPDATE " + entry.table() + " SET reported_at = ? WHERE id = ?", entry.id(), now);
                }
            }
            for (Digest.Warning warning : digest.warnings()) {
                mark(connection, "UPDATE alert SET sent_at = ? WHERE id = ?", warning.id(), now);
            }
            return null;
        });
    }

    /**
     * A data-quality row counts repeats (DataQualityLog.count): occurrences added after the digest read it are not in
     * the mail, so they move to a new row for the next digest, and the reported row keeps the count the mail gave.
     */
    private static void markCounted(Connection connection, DigestEntry entry, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE data_quality_issue SET reported_at = ? WHERE id = ? AND occurrences = ?")) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setLong(2, entry.id());
            update.setInt(3, entry.occurrences());
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        int occurrences;
        OffsetDateTime lastDetected;
        try (PreparedStatement locked = connection.prepareStatement(
                "SELECT occurrences, COALESCE(last_detected_at, detected_at) FROM data_quality_issue WHERE id = ? FOR UPDATE")) {
            locked.setLong(1, entry.id());
            try (ResultSet row = locked.executeQuery()) {
                if (!row.next()) {
                    return;
                }
                occurrences = row.getInt(1);
                lastDetected = row.getObject(2, OffsetDateTime.class);
            }
        }
        try (PreparedStatement later = connection.prepareStatement("INSERT INTO data_quality_issue (detected_at, source, record_ref,"
                + " field, problem, rejects_record, occurrences, last_detected_at) SELECT ?, source, record_ref, field, problem,"
                + " rejects_record, ?, ? FROM data_quality_issue WHERE id = ?")) {
            later.setObject(1, PortalDatabase.utc(entry.lastDetectedAt()));
            later.setInt(2, occurrences - entry.occurrences());
            later.setObject(3, lastDetected);
            later.setLong(4, entry.id());
            later.executeUpdate();
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE data_quality_issue SET reported_at = ?, occurrences = ?, last_detected_at = ? WHERE id = ?")) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setInt(2, entry.occurrences());
            update.setObject(3, PortalDatabase.utc(entry.lastDetectedAt()));
            update.setLong(4, entry.id());
            update.executeUpdate();
        }
    }

    private static void mark(Connection connection, String sql, long id, Instant now) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setObject(1, PortalDatabase.utc(now));
            update.setLong(2, id);
            update.executeUpdate();
        }
    }
}
