package org.portalsync.console;

import java.sql.PreparedStatement;
import java.sql.ResultSet;

import org.portalsync.console.ConsoleDeadLetters.Letter;
import org.portalsync.portal.PortalDatabase;

/**
 * The console's address of a patient: {@code /console/patients/<portal id>}, the portal's own key, which says
 * nothing about the patient (never the MRN, the name or the EHR's id).
 */
public final class PatientLinks {

    private final PortalDatabase database;

    public PatientLinks(PortalDatabase database) {
        this.database = database;
    }

    /** The page of a dead letter's patient, or null when it is no patient's or the portal lacks the patient. */
    public String of(Letter letter) {
        if (letter.record() == null || !letter.record().startsWith("Patient/")) {
            return null;
        }
        Long id = database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM portal_patient WHERE source = ? AND source_id = ?")) {
                select.setString(1, letter.source());
                select.setString(2, letter.record().substring("Patient/".length()));
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? row.getLong(1) : null;
                }
            }
        });
        return id == null ? null : page(id);
    }

    public static String page(long portalId) {
        return "/console/patients/" + portalId;
    }
}
