package org.portalsync.webhook;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.portalsync.api.ApiRefusal;

/**
 * The resource types a notification may name ({@code portal-sync.webhook.resource-types}) and the route
 * that syncs each: {@code direct:fhir-<type in lower case>-refresh}, which reads the resource from the EHR
 * and syncs it (404: a data-quality row, 410: a deletion) with its own retries and dead letter. A type
 * not listed, or whose route the engine does not have, is refused with 422 naming it.
 */
public final class WebhookResourceTypes {

    private final Map<String, String> refreshUris;
    private final CamelContext camel;

    public WebhookResourceTypes(List<String> types, CamelContext camel) {
        this.refreshUris = types.stream().collect(Collectors.toUnmodifiableMap(Function.identity(), WebhookResourceTypes::refreshUri));
        this.camel = camel;
    }

    public static String refreshUri(String type) {
        return "direct:fhir-" + type.toLowerCase(Locale.ROOT) + "-refresh";
    }

    /** The route that syncs a type's resource already read, as a poll hands it over: {@code direct:<type in lower case>-sync}. */
    public static String syncUri(String type) {
        return "direct:" + type.toLowerCase(Locale.ROOT) + "-sync";
    }

    /** @throws ApiRefusal 422 when the type is not taken, or nothing syncs it */
    public String requireSupported(String type) {
        String uri = refreshUris.get(type);
        if (uri == null) {
            throw new ApiRefusal(422, "unsupported_resource_type", "Resource type " + type + " is not taken here; taken: "
                    + String.join(", ", refreshUris.keySet().stream().sorted().toList()) + " (portal-sync.webhook.resource-types).");
        }
        if (!hasConsumer(uri)) {
            throw new ApiRefusal(422, "unsupported_resource_type", "Resource type " + type + " has no route that syncs it (" + uri + ").");
        }
        return uri;
    }

    private boolean hasConsumer(String uri) {
        String wanted = uri.replace("direct:", "direct://");
        for (Route route : camel.getRoutes()) {
            if (route.getEndpoint().getEndpointUri().equals(wanted)) {
                return true;
            }
        }
        return false;
    }
}
