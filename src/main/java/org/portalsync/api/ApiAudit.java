package org.portalsync.api;

import java.time.Clock;

import org.portalsync.alert.SafeFailureText;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit row of one API request, accepted or refused: actor (the client id, or
 * {@value ApiHeaders#ANONYMOUS} before authentication), action ({@code API GET /api/v1/dead-letters}),
 * the path as resource, the caller's address and the HTTP status as result. Never the key, the
 * query string or the body.
 */
public final class ApiAudit {

    private static final Logger LOG = LoggerFactory.getLogger(ApiAudit.class);
    /** audit_event.action holds 100 characters. */
    private static final int MAX_ACTION = 100;

    private final AuditTrail trail;
    private final Clock clock;

    public ApiAudit(AuditTrail trail, Clock clock) {
        this.trail = trail;
        this.clock = clock;
    }

    public void record(String actor, String method, String path, String peer, int status) {
        String action = "API " + method + " " + path;
        AuditEvent event = new AuditEvent(clock.instant(), actor == null ? ApiHeaders.ANONYMOUS : actor,
                action.length() > MAX_ACTION ? action.substring(0, MAX_ACTION) : action, path, peer, String.valueOf(status));
        try {
            trail.record(event);
        } catch (RuntimeException e) {
            // the answer is already decided; a lost audit row must at least be seen
            LOG.error("The audit row of {} (status {}) could not be written: {}", action, status, SafeFailureText.of(e));
        }
    }
}
