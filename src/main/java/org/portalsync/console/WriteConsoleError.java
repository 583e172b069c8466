package org.portalsync.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.SafeFailureText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns a console failure into its answer: the sign-in page, a refusal page, or a 500 page without details. */
public final class WriteConsoleError implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(WriteConsoleError.class);

    @Override
    public void process(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ConsoleSession session = ConsoleHttp.session(exchange);
        if (failure instanceof ConsoleRefusal refusal && refusal.signInReason() != null) {
            ConsoleHttp.redirect(exchange, "/console/login?reason=" + URLEncoder.encode(refusal.signInReason(), StandardCharsets.UTF_8));
        } else if (failure instanceof ConsoleRefusal refusal) {
            ConsoleHttp.page(exchange, refusal.status(), ConsolePage.render(title(refusal.status()), session,
                    "<p class=\"refused\">" + Html.escape(refusal.getMessage()) + "</p><p><a href=\"/console\">Back to the overview</a></p>"));
        } else {
            LOG.error("Console request {} {} failed in route {}: {}", exchange.getIn().getHeader(Exchange.HTTP_METHOD),
                    exchange.getIn().getHeader(Exchange.HTTP_PATH), exchange.getFromRouteId(), SafeFailureText.of(failure));
            ConsoleHttp.page(exchange, 500, ConsolePage.render("Something went wrong", session,
                    "<p class=\"refused\">The console could not do this; the engine's log says why.</p>"));
        }
    }

    private static String title(int status) {
        return switch (status) {
            case 403 -> "Not allowed";
            case 404 -> "Not found";
            case 429 -> "Too many attempts";
            default -> "Not accepted";
        };
    }
}
