package org.portalsync.webhook;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.api.ApiBody;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.InvalidJsonException;
import org.portalsync.webhook.WebhookNotification.Kind;
import org.portalsync.webhook.WebhookNotification.ResourceKey;
import org.portalsync.webhook.WebhookNotification.SubscriptionStatus;

/**
 * Reads a webhook request's body into a {@link WebhookNotification}. It takes:
 * <ul>
 * <li>an id-only notification, {@code {"resourceType": "Patient", "id": "123"}} (recommended: no patient
 * data on the wire), or a reference, {@code {"reference": "Patient/123"}};</li>
 * <li>a full resource: only its type and id are used, the engine reads the current version from the EHR;</li>
 * <li>a FHIR R4 Subscriptions backport notification: a {@code Bundle} of type {@code history} (R4) or
 * {@code subscription-notification} (R4B/R5) whose first entry is the SubscriptionStatus (a
 * {@code Parameters} in R4, a {@code SubscriptionStatus} resource after it).</li>
 * </ul>
 * Anything else is a 400 naming the JSON path; never a value from the body.
 */
public final class ParseWebhookNotification implements Processor {

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    /** FHIR R4 id and resource type grammars (http://hl7.org/fhir/R4/datatypes.html#id). */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Za-z]{1,63}");
    /** {@code [base/]Type/id[/_history/vid]}. */
    private static final Pattern REFERENCE = Pattern.compile("^(?:(.*)/)?([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\\-.]{1,64})(?:/_history/[A-Za-z0-9\\-.]{1,64})?$");
    private static final Map<String, Kind> SUBSCRIPTION_TYPES = Map.of("handshake", Kind.HANDSHAKE, "heartbeat", Kind.HEARTBEAT,
            "event-notification", Kind.EVENT);

    private static final Set<String> JSON_TYPES = Set.of("application/json", "application/fhir+json");

    private final String ehrBaseUrl;

    /** @param ehrBaseUrl an absolute reference must be to this server: the engine reads from nowhere else */
    public ParseWebhookNotification(String ehrBaseUrl) {
        this.ehrBaseUrl = stripSlash(ehrBaseUrl);
    }

    @Override
    public void process(Exchange exchange) {
        if (!isJson(exchange.getIn().getHeader(Exchange.CONTENT_TYPE, String.class))) {
            throw new ApiRefusal(415, "unsupported_media_type",
                    "The request body must be JSON: Content-Type: application/json or application/fhir+json.");
        }
        exchange.getMessage().setBody(parse(exchange.getIn().getBody(byte[].class)));
    }

    /** @throws InvalidJsonException 400, naming the path of the first problem */
    public WebhookNotification parse(byte[] body) {
        JsonNode root;
        try {
            root = body == null || body.length == 0 ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException("", "the body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new InvalidJsonException("", "the body could not be read");
        }
        if (root == null || !root.isObject()) {
            throw new InvalidJsonException("$", "expected a JSON object: a resource, {\"resourceType\", \"id\"} or {\"reference\"}");
        }
        if (!root.has("resourceType")) {
            return new WebhookNotification(Kind.RESOURCE, List.of(reference(root.get("reference"), "$.reference")), null);
        }
        String resourceType = text(root, "resourceType", "$.resourceType");
        if (resourceType.equals("Bundle")) {
            return subscriptionNotification(root);
        }
        if (!TYPE.matcher(resourceType).matches()) {
            throw new InvalidJsonException("$.resourceType", "not a FHIR resource type");
        }
        String id = text(root, "id", "$.id");
        if (!ID.matcher(id).matches()) {
            throw new InvalidJsonException("$.id", "not a FHIR id (1 to 64 letters, digits, '-' and '.')");
        }
        return new WebhookNotification(Kind.RESOURCE, List.of(new ResourceKey(resourceType, id)), null);
    }

    private WebhookNotification subscriptionNotification(JsonNode bundle) {
        String type = text(bundle, "type", "$.type");
        if (!type.equals("history") && !type.equals("subscription-notification")) {
            throw new InvalidJsonException("$.type", "a Bundle must be a Subscription notification (type history in R4, "
                    + "subscription-notification in R4B and R5)");
        }
        JsonNode status = bundle.path("entry").path(0).path("resource");
        String statusType = status.path("resourceType").asText("");
        SubscriptionStatus subscription;
        List<ResourceKey> foci = new ArrayList<>();
        if (statusType.equals("Parameters")) {
            subscription = fromParameters(status, foci);
        } else if (statusType.equals("SubscriptionStatus")) {
            subscription = fromSubscriptionStatus(status, foci);
        } else {
            throw new InvalidJsonException("$.entry[0].resource", "expected the SubscriptionStatus (a Parameters in the R4 backport)");
        }
        Kind kind = SUBSCRIPTION_TYPES.get(subscription.type());
        if (kind == null) {
            throw new InvalidJsonException("$.entry[0].resource", "status type must be handshake, heartbeat or event-notification");
        }
        if (subscription.subscription() == null) {
            throw new InvalidJsonException("$.entry[0].resource", "the status names no subscription");
        }
        return new WebhookNotification(kind, kind == Kind.EVENT ? foci : List.of(), subscription);
    }

    private SubscriptionStatus fromParameters(JsonNode parameters, List<ResourceKey> foci) {
        String subscription = null;
        String topic = null;
        String status = null;
        String type = null;
        Long events = null;
        List<Long> numbers = new ArrayList<>();
        JsonNode list = parameters.path("parameter");
        for (int i = 0; i < list.size(); i++) {
            JsonNode parameter = list.get(i);
            String path = "$.entry[0].resource.parameter[" + i + "]";
            switch (parameter.path("name").asText("")) {
                case "subscription" -> subscription = parameter.path("valueReference").path("reference").asText(null);
                case "topic" -> topic = firstText(parameter, "valueCanonical", "valueUri");
                case "status" -> status = parameter.path("valueCode").asText(null);
                case "type" -> type = parameter.path("valueCode").asText(null);
                case "eventsSinceSubscriptionStart" -> events = number(parameter, path);
                case "notificationEvent" -> {
                    JsonNode parts = parameter.path("part");
                    for (int p = 0; p < parts.size(); p++) {
                        JsonNode part = parts.get(p);
                        String partPath = path + ".part[" + p + "]";
                        switch (part.path("name").asText("")) {
                            case "eventNumber" -> numbers.add(number(part, partPath));
                            case "focus" -> foci.add(reference(part.path("valueReference").get("reference"), partPath + ".valueReference.reference"));
                            default -> {
                                // timestamp, additionalContext: not needed to sync
                            }
                        }
                    }
                }
                default -> {
                    // error, topic-specific parameters: not needed to sync
                }
            }
        }
        return new SubscriptionStatus(subscription, topic, status, type, events, numbers);
    }

    private SubscriptionStatus fromSubscriptionStatus(JsonNode status, List<ResourceKey> foci) {
        List<Long> numbers = new ArrayList<>();
        JsonNode events = status.path("notificationEvent");
        for (int i = 0; i < events.size(); i++) {
            String path = "$.entry[0].resource.notificationEvent[" + i + "]";
            if (events.get(i).has("eventNumber")) {
                numbers.add(asLong(events.get(i).get("eventNumber"), path + ".eventNumber"));
            }
            if (events.get(i).has("focus")) {
                foci.add(reference(events.get(i).path("focus").get("reference"), path + ".focus.reference"));
            }
        }
        Long since = status.has("eventsSinceSubscriptionStart")
                ? asLong(status.get("eventsSinceSubscriptionStart"), "$.entry[0].resource.eventsSinceSubscriptionStart") : null;
        return new SubscriptionStatus(status.path("subscription").path("reference").asText(null), status.path("topic").asText(null),
                status.path("status").asText(null), status.path("type").asText(null), since, numbers);
    }

    private ResourceKey reference(JsonNode node, String path) {
        if (node == null || !node.isTextual()) {
            throw new InvalidJsonException(node == null ? "$" : path,
                    node == null ? "expected a resource ({\"resourceType\", \"id\"}) or {\"reference\": \"Type/id\"}" : "expected a string");
        }
        Matcher reference = REFERENCE.matcher(node.asText());
        if (!reference.matches()) {
            throw new InvalidJsonException(path, "not a FHIR reference of the form Type/id");
        }
        String base = reference.group(1);
        if (base != null && !stripSlash(base).equals(ehrBaseUrl)) {
            throw new ApiRefusal(422, "foreign_reference", path + ": an absolute reference must be to the EHR's base URL; "
                    + "the engine reads resources from nowhere else");
        }
        return new ResourceKey(reference.group(2), reference.group(3));
    }

    private static Long number(JsonNode parameter, String path) {
        for (String name : List.of("valueString", "valueInteger64", "valueInteger", "valueUnsignedInt", "valuePositiveInt", "valueDecimal")) {
            if (parameter.has(name)) {
                return asLong(parameter.get(name), path + "." + name);
            }
        }
        throw new InvalidJsonException(path, "expected a number (valueString in the R4 backport)");
    }

    private static Long asLong(JsonNode value, String path) {
        try {
            long number = value.isIntegralNumber() && value.canConvertToLong() ? value.longValue() : Long.parseLong(value.asText());
            if (number < 0) {
                throw new NumberFormatException();
            }
            return number;
        } catch (RuntimeException e) {
            throw new InvalidJsonException(path, "expected a whole number, 0 or more");
        }
    }

    private static String text(JsonNode object, String field, String path) {
        JsonNode value = object.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new InvalidJsonException(path, "expected a string");
        }
        return value.asText();
    }

    private static String firstText(JsonNode parameter, String... names) {
        for (String name : names) {
            if (parameter.hasNonNull(name)) {
                return parameter.get(name).asText();
            }
        }
        return null;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** application/json or application/fhir+json (FHIR's own), UTF-8 when a charset is named. */
    static boolean isJson(String contentType) {
        return ApiBody.isJson(contentType, JSON_TYPES);
    }
}
