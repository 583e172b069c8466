package org.portalsync.writeback;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

import org.portalsync.authority.AuthorityRules.FieldOutcome;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.portal.CommunicationPreferences;
import org.portalsync.portal.PortalDatabase;

/**
 * Sets a patient's communication preferences, a field only the portal has: no EHR value meets it, so
 * the only rule is that a change loses to a later one (changes may be taken up out of order). Called
 * with the patient's row locked.
 */
final class PortalOnlyPreferences {

    FieldOutcome apply(Connection connection, long patientId, CommunicationPreferences preferences, Instant submittedAt) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT communication_preferences_at FROM portal_patient WHERE id = ?")) {
            select.setLong(1, patientId);
            try (ResultSet row = select.executeQuery()) {
                OffsetDateTime setAt = row.next() ? row.getObject(1, OffsetDateTime.class) : null;
                if (setAt != null && setAt.toInstant().isAfter(submittedAt)) {
                    return FieldOutcome.SUPERSEDED;
                }
            }
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE portal_patient SET communication_preferences = ?, communication_preferences_at = ? WHERE id = ?")) {
            update.setString(1, PatientFieldValues.toJson(preferences).toString());
            update.setObject(2, PortalDatabase.utc(submittedAt));
            update.setLong(3, patientId);
            update.executeUpdate();
        }
        return FieldOutcome.APPLIED;
    }
}
