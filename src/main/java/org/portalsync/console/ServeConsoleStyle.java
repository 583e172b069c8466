package org.portalsync.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/** {@code GET /console/console.css}: the console's one style sheet, from the engine's jar (no CDN, no script). */
public final class ServeConsoleStyle implements Processor {

    private final byte[] css;

    public ServeConsoleStyle() {
        try (InputStream in = ServeConsoleStyle.class.getResourceAsStream("/console/console.css")) {
            css = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void process(Exchange exchange) {
        exchange.getMessage().setBody(css);
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/css; charset=utf-8");
        exchange.getMessage().setHeader("Cache-Control", "max-age=3600");
    }
}
