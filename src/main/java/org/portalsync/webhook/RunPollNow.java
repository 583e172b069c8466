package org.portalsync.webhook;

import java.util.Locale;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.component.master.MasterConsumer;

/**
 * Runs a resource type's normal poll ({@code fhir-<type>-poll}) now, in the caller's thread, as if its
 * trigger had fired: whatever the trigger is (a schedule behind the cluster's master lock, or
 * {@code direct:} when polls run on request), the exchange goes through the poll route from its
 * consumer, so that its one-poll-at-a-time guard and error handling apply as to any run.
 */
public final class RunPollNow {

    /** How a run ended. */
    public enum Result { RAN, SKIPPED, ELSEWHERE, NO_POLL }

    /** @param summary the poll's summary line, or why it did not run */
    public record Run(Result result, String summary) {
    }

    private final CamelContext camel;

    public RunPollNow(CamelContext camel) {
        this.camel = camel;
    }

    public static String pollRouteId(String type) {
        return "fhir-" + type.toLowerCase(Locale.ROOT) + "-poll";
    }

    public Run run(String type) throws Exception {
        String routeId = pollRouteId(type);
        Route route = camel.getRoute(routeId);
        if (route == null || !camel.getRouteController().getRouteStatus(routeId).isStarted()) {
            return new Run(Result.NO_POLL, type + ": no poll route " + routeId + " is running");
        }
        Consumer consumer = route.getConsumer();
        if (consumer instanceof MasterConsumer master && !master.isMaster()) {
            // another instance runs this cluster's polls; its own check runs the catch-up there
            return new Run(Result.ELSEWHERE, type + ": the poll runs on another instance");
        }
        Exchange exchange = consumer.createExchange(false);
        try {
            consumer.getProcessor().process(exchange);
            String summary = type + ": " + exchange.getMessage().getBody(String.class);
            if (exchange.getException() != null) {
                return new Run(Result.RAN, type + ": the poll failed (" + exchange.getException().getClass().getSimpleName() + ")");
            }
            return new Run(exchange.isRouteStop() ? Result.SKIPPED : Result.RAN, summary);
        } finally {
            consumer.releaseExchange(exchange, false);
        }
    }
}
