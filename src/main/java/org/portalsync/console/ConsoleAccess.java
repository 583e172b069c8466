package org.portalsync.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.apache.camel.Exchange;

/**
 * Who may see and do what in the console. Each console route calls it first:
 *
 * <pre>
 * - bean:
 *     ref: consoleAccess
 *     method: view        # any signed-in user (GET)
 *     method: submit      # any signed-in user, a form from the console's own page (POST: sign-out, search)
 *     method: act         # an operator, a form from the console's own page (POST: replay, discard)
 * </pre>
 *
 * Without a live session the browser is sent to the sign-in page. A form must carry its session's CSRF token
 * and come from the console's origin; a viewer's action is refused with 403. Each refusal is audited by the
 * route's completion, like every console request.
 */
public final class ConsoleAccess {

    private final ConsoleSessions sessions;
    private final ConsoleUsers users;

    public ConsoleAccess(ConsoleSessions sessions, ConsoleUsers users) {
        this.sessions = sessions;
        this.users = users;
    }

    public void view(Exchange exchange) {
        String id = ConsoleHttp.cookie(exchange);
        ConsoleSession session = sessions.use(id)
                .orElseThrow(() -> ConsoleRefusal.signIn(id == null ? "required" : "expired"));
        // the users file decides, not the session: a user removed from it is out at once, a changed role applies at once
        ConsoleUser user = users.find(session.username()).orElse(null);
        if (user == null) {
            sessions.end(id);
            throw ConsoleRefusal.signIn("required");
        }
        exchange.setProperty(ConsoleHttp.SESSION, new ConsoleSession(session.id(), user.name(), user.role(), session.csrfToken()));
    }

    public void submit(Exchange exchange) {
        view(exchange);
        ConsoleHttp.requireSameOrigin(exchange);
        String token = ConsoleHttp.field(exchange, ConsoleHttp.CSRF_FIELD);
        byte[] expected = ConsoleHttp.session(exchange).csrfToken().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.UTF_8))) {
            throw ConsoleRefusal.forbidden("This form has no valid CSRF token: reload the page and try again.");
        }
    }

    public void act(Exchange exchange) {
        submit(exchange);
        if (ConsoleHttp.session(exchange).role() != ConsoleRole.OPERATOR) {
            throw ConsoleRefusal.forbidden("Only an operator may do this; your role is viewer.");
        }
    }
}
