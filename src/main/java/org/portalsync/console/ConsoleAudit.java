package org.portalsync.console;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's audit rows: who (the signed-in user, or the name tried at sign-in), what
 * ({@code Console replay}, {@code Console view patient}, ...), which record ({@code dead_letter/12 Patient/abc}),
 * from where, and the outcome. Never a search term, a password or a value of the record.
 */
public final class ConsoleAudit {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleAudit.class);
    static final String ANONYMOUS = "anonymous";
    static final String SIGN_IN = "Console sign-in";
    static final String SIGN_IN_FAILED = "failed";
    /** audit_event.action and actor hold 100 characters. */
    private static final int MAX = 100;

    private final AuditTrail trail;
    private final Clock clock;

    public ConsoleAudit(AuditTrail trail, Clock clock) {
        this.trail = trail;
        this.clock = clock;
    }

    /** A row for the signed-in user of this request. */
    public void record(Exchange exchange, String action, String resource, String result) {
        ConsoleSession session = ConsoleHttp.session(exchange);
        record(session == null ? ANONYMOUS : session.username(), action, resource, ConsoleHttp.peer(exchange), result);
    }

    public void record(String actor, String action, String resource, String peer, String result) {
        try {
            trail.record(new AuditEvent(clock.instant(), cut(actor), cut(action), resource, peer, result));
        } catch (RuntimeException e) {
            LOG.error("The audit row of {} on {} ({}) could not be written: {}", action, resource, result, SafeFailureText.of(e));
            throw e;
        }
    }

    private static String cut(String text) {
        return text.length() > MAX ? text.substring(0, MAX) : text;
    }
}
