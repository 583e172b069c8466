package org.portalsync.console;

import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * {@code POST /console/login}: checks the name and password against the users file and opens a new session
 * (a new id, whatever cookie came with the request; the old session, if any, is ended). A wrong name and a
 * wrong password get the same answer and cost the same time. After too many failures the name is locked out
 * for a while ({@link ConsoleSignInThrottle}). Each attempt leaves an audit row, never with the password.
 */
public final class SignIntoConsole implements Processor {

    private final ConsoleUsers users;
    private final ConsoleSessions sessions;
    private final ConsoleSignInThrottle throttle;
    private final ConsoleAudit audit;

    public SignIntoConsole(ConsoleUsers users, ConsoleSessions sessions, ConsoleSignInThrottle throttle, ConsoleAudit audit) {
        this.users = users;
        this.sessions = sessions;
        this.throttle = throttle;
        this.audit = audit;
    }

    @Override
    public void process(Exchange exchange) {
        ConsoleHttp.requireSameOrigin(exchange);
        String name = ConsoleHttp.field(exchange, "username").toLowerCase(java.util.Locale.ROOT);
        char[] password = ConsoleHttp.field(exchange, "password").toCharArray();
        String actor = ConsoleUser.validName(name) ? name : ConsoleAudit.ANONYMOUS;
        String peer = ConsoleHttp.peer(exchange);
        if (throttle.lockedOut(actor)) {
            audit.record(actor, ConsoleAudit.SIGN_IN, "console", peer, "locked out");
            ConsoleHttp.page(exchange, 429, ShowConsoleSignIn.form("Too many failed sign-ins for this name. Try again in "
                    + Html.duration(throttle.lockout()) + ".", true));
            return;
        }
        Optional<ConsoleUser> user = ConsoleUser.validName(name) ? users.find(name) : Optional.empty();
        boolean matches = PasswordHash.matches(password, user.map(ConsoleUser::passwordHash).orElse(PasswordHash.DECOY));
        java.util.Arrays.fill(password, '\0');
        if (user.isEmpty() || !matches) {
            audit.record(actor, ConsoleAudit.SIGN_IN, "console", peer, ConsoleAudit.SIGN_IN_FAILED);
            ConsoleHttp.page(exchange, 401, ShowConsoleSignIn.form("Wrong user name or password.", true));
            return;
        }
        sessions.end(ConsoleHttp.cookie(exchange));
        ConsoleSession session = sessions.open(user.get());
        exchange.setProperty(ConsoleHttp.SESSION, session);
        audit.record(user.get().name(), ConsoleAudit.SIGN_IN, "console", peer, "signed in as " + user.get().role().configName());
        ConsoleHttp.setCookie(exchange, session.id());
        ConsoleHttp.redirect(exchange, "/console");
    }
}
