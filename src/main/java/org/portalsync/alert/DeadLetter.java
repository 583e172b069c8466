package org.portalsync.alert;

import java.time.Instant;

/**
 * One failure at the end of its retries, as it is stored: in the dead-letter table, or in the local
 * journal while that table cannot be reached.
 *
 * @param entryId  unique per failure; keys the journal import, so a re-import never doubles it
 * @param record   the record that failed, e.g. {@code Patient/123}; null when a whole step failed (a page)
 * @param payload  the message as the source sent it (PHI: stays in the portal DB or the engine's host)
 * @param cause    why it failed, without patient data
 * @param legacyInboxId the HL7 v2 message (legacy_inbox row) whose applying failed, re-applied by the re-sync; null for
 *                 any other source, whose records are read afresh instead
 */
public record DeadLetter(String entryId, Instant failedAt, String routeId, String source, String record, String payload,
        String causeType, String cause, AlertKind kind, Long legacyInboxId) {

    public DeadLetter(String entryId, Instant failedAt, String routeId, String source, String record, String payload, String causeType,
            String cause, AlertKind kind) {
        this(entryId, failedAt, routeId, source, record, payload, causeType, cause, kind, null);
    }

    /** The alert text: route, record and cause, never a value of the record. */
    public String alertMessage() {
        return routeId + (record == null ? "" : " " + record) + ": " + cause;
    }
}
