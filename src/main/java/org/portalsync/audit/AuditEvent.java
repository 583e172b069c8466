package org.portalsync.audit;

import java.time.Instant;

/**
 * One request in or out, or one portal write: who did what to which resource, from or to where,
 * and how it ended. {@code resource} names records by id or query, never by patient data.
 *
 * @param action e.g. {@code Patient.search}, {@code Patient.read}, {@code PortalPatient.update}
 * @param peer   the other side's address (host or IP), null when there is none
 * @param result {@code success}, or {@code failure: <status or error type>}
 */
public record AuditEvent(Instant occurredAt, String actor, String action, String resource, String peer, String result) {
}
