package org.portalsync.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.portalsync.api.ApiHeaders;
import org.portalsync.api.ApiRefusal;

/**
 * Checks that a webhook request comes from its source and is fresh: the {@value WebhookHeaders#SIGNATURE}
 * header must be the HMAC-SHA256 of {@code <timestamp>.<body>} with the source's secret (compared in
 * constant time), and {@value WebhookHeaders#TIMESTAMP} within {@code portal-sync.webhook.max-age} of
 * the engine's clock. Either wrong: 401, and nothing is stored. A replay of a valid request is caught
 * when it is stored (the event id and signature are unique keys of the inbox).
 *
 * <p>A source without a secret gets no check here; the request is then taken only if it is a FHIR
 * Subscription notification ({@link AcceptWebhookNotification}): the Subscriptions spec has no signature
 * of its own.
 */
public final class VerifyWebhookSignature implements Processor {

    private final WebhookSecrets secrets;
    private final Duration maxAge;
    private final Clock clock;

    public VerifyWebhookSignature(WebhookSecrets secrets, Duration maxAge, Clock clock) {
        this.secrets = secrets;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        String source = exchange.getIn().getHeader("source", String.class);
        if (!secrets.knows(source)) {
            throw new ApiRefusal(404, "not_found", "No webhook source of that name.");
        }
        exchange.setProperty(WebhookHeaders.SOURCE, source);
        String eventId = requestHeader(exchange, WebhookHeaders.EVENT_ID).orElse(null);
        if (eventId != null && (eventId.length() > 200 || !eventId.chars().allMatch(c -> c > 32 && c < 127))) {
            throw ApiRefusal.badRequest(WebhookHeaders.EVENT_ID + " must be 1 to 200 printable ASCII characters.");
        }
        byte[] body = exchange.getIn().getBody(byte[].class);
        exchange.getMessage().setBody(body);
        Optional<String> secret = secrets.secretOf(source);
        if (secret.isEmpty()) {
            return;
        }
        Optional<String> timestamp = requestHeader(exchange, WebhookHeaders.TIMESTAMP);
        Optional<String> presented = requestHeader(exchange, WebhookHeaders.SIGNATURE).flatMap(WebhookSignature::digestOf);
        if (timestamp.isEmpty() || presented.isEmpty() || !timestamp.get().matches("\\d{1,12}")) {
            throw new ApiRefusal(401, "invalid_signature", "A request must carry " + WebhookHeaders.TIMESTAMP + " (seconds since the "
                    + "Unix epoch) and " + WebhookHeaders.SIGNATURE + ": sha256=<hex HMAC-SHA256 of timestamp.body>.");
        }
        String expected = WebhookSignature.sign(secret.get(), timestamp.get(), body == null ? new byte[0] : body);
        if (!WebhookSignature.matches(expected, presented.get())) {
            throw new ApiRefusal(401, "invalid_signature", "The signature does not match the request.");
        }
        Duration age = Duration.between(Instant.ofEpochSecond(Long.parseLong(timestamp.get())), clock.instant()).abs();
        if (age.compareTo(maxAge) > 0) {
            throw new ApiRefusal(401, "stale_request", "The request's " + WebhookHeaders.TIMESTAMP + " is more than "
                    + maxAge.toSeconds() + " s from the engine's clock.");
        }
        exchange.setProperty(WebhookHeaders.VERIFIED_SIGNATURE, presented.get());
        exchange.setProperty(ApiHeaders.CLIENT_ID, "webhook:" + source);
    }

    /** The one value of a request header; empty when there is none or more than one. */
    static Optional<String> requestHeader(Exchange exchange, String name) {
        if (exchange.getIn() instanceof HttpMessage http && http.getRequest() != null) {
            List<String> values = http.getRequest().headers().getAll(name);
            return values.size() == 1 && !values.get(0).isBlank() ? Optional.of(values.get(0).strip()) : Optional.empty();
        }
        return Optional.ofNullable(exchange.getIn().getHeader(name, String.class)).filter(value -> !value.isBlank()).map(String::strip);
    }
}
