package org.portalsync.api;

import java.net.InetSocketAddress;

import io.vertx.core.net.SocketAddress;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;

/**
 * Writes the audit row of a request an API route answered, with the status it answers with; runs
 * once per request, after the route's last step or its error handling and before the answer is sent
 * ({@code onCompletion} of the {@code portal-api} route configuration).
 */
public final class AuditApiRequest implements Processor {

    private final ApiAudit audit;

    public AuditApiRequest(ApiAudit audit) {
        this.audit = audit;
    }

    @Override
    public void process(Exchange exchange) {
        var in = exchange.getIn();
        Integer status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        audit.record(exchange.getProperty(ApiHeaders.CLIENT_ID, String.class), in.getHeader(Exchange.HTTP_METHOD, String.class),
                in.getHeader(Exchange.HTTP_PATH, String.class), peer(in.getHeader(VertxPlatformHttpConstants.REMOTE_ADDRESS)),
                status == null ? (in.getBody() == null ? 204 : 200) : status);
    }

    public static String peer(Object address) {
        if (address instanceof SocketAddress vertx) {
            return vertx.hostAddress();
        }
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() == null ? inet.getHostString() : inet.getAddress().getHostAddress();
        }
        return address == null ? null : address.toString();
    }
}
