package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;

import org.portalsync.authority.FieldConflict;

/** Keeps the conflicts a merge resolved, per patient, in {@code portal_field_conflict}. */
public final class FieldConflictStore {

    /** @param changeId the portal change involved, null for a merge of an EHR version */
    public void record(Connection connection, long patientId, List<FieldConflict> conflicts, Long changeId, Instant now) throws SQLException {
        if (conflicts.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO portal_field_conflict (patient_id, field, detected_at, kept_side, kept_set_at, discarded_side,"
                        + " discarded_set_at, discarded_value, ehr_version, reason, change_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (FieldConflict conflict : conflicts) {
                insert.setLong(1, patientId);
                insert.setString(2, conflict.field().qualifiedName());
                insert.setObject(3, PortalDatabase.utc(now));
                insert.setString(4, conflict.kept().configName());
                insert.setObject(5, PortalDatabase.utc(conflict.keptSetAt()));
                insert.setString(6, conflict.discarded().configName());
                insert.setObject(7, PortalDatabase.utc(conflict.discardedSetAt()));
                insert.setString(8, conflict.discardedValue() == null ? null : conflict.discardedValue().toString());
                insert.setString(9, conflict.ehrVersion());
                insert.setString(10, conflict.reason());
                insert.setObject(11, changeId, Types.BIGINT);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }
}
