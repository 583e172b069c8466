package org.portalsync.console;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** {@code GET /console/login}: the sign-in form, with why the user is here (session timed out, signed out). */
public final class ShowConsoleSignIn implements Processor {

    @Override
    public void process(Exchange exchange) {
        String reason = exchange.getIn().getHeader("reason", String.class);
        ConsoleHttp.page(exchange, 200, form(reason == null ? "" : switch (reason) {
            case "expired" -> "Your session ended after a time without use. Sign in again.";
            case "signed-out" -> "You are signed out.";
            case "required" -> "Sign in to use the console.";
            default -> "";
        }, false));
    }

    static String form(String notice, boolean failed) {
        StringBuilder body = new StringBuilder();
        if (!notice.isEmpty()) {
            body.append("<p class=\"").append(failed ? "refused" : "notice").append("\">").append(Html.escape(notice)).append("</p>");
        }
        body.append("<form class=\"signin\" method=\"post\" action=\"/console/login\">")
                .append("<label>User name <input name=\"username\" autocomplete=\"username\" required autofocus></label>")
                .append("<label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>")
                .append("<button type=\"submit\">Sign in</button></form>");
        return ConsolePage.render("Sign in", null, body.toString());
    }
}
