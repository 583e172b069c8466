package org.portalsync.console;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The audit row of every console request, answered or refused, with its status; runs after the route's last
 * step or its error handling, before the answer is sent ({@code onCompletion} of the {@code console} route
 * configuration). Actions and views of patient data add rows of their own, naming the record.
 */
public final class AuditConsoleRequest implements Processor {

    private final ConsoleAudit audit;

    public AuditConsoleRequest(ConsoleAudit audit) {
        this.audit = audit;
    }

    @Override
    public void process(Exchange exchange) {
        var in = exchange.getIn();
        Integer status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String path = in.getHeader(Exchange.HTTP_PATH, String.class);
        audit.record(exchange, "CONSOLE " + in.getHeader(Exchange.HTTP_METHOD, String.class) + " " + path, path,
                String.valueOf(status == null ? 200 : status));
    }
}
