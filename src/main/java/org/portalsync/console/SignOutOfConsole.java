package org.portalsync.console;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** {@code POST /console/logout}: ends the session (in the database, so on every instance) and clears the cookie. */
public final class SignOutOfConsole implements Processor {

    private final ConsoleSessions sessions;

    public SignOutOfConsole(ConsoleSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public void process(Exchange exchange) {
        sessions.end(ConsoleHttp.session(exchange).id());
        ConsoleHttp.clearCookie(exchange);
        ConsoleHttp.redirect(exchange, "/console/login?reason=signed-out");
    }
}
