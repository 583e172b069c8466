package org.portalsync.webhook;

import java.util.Map;
import java.util.Optional;

import org.portalsync.config.Secrets;

/**
 * The shared signing secret of each source that may notify the engine, by source name (the
 * {@code {source}} of {@code POST /webhooks/{source}}). The engine reads one FHIR source today
 * ({@code portal-sync.source.name}), whose secret is {@code portal-sync.webhook.secret} or its file.
 * Never printed but for its last four characters.
 */
public final class WebhookSecrets {

    private final Map<String, String> bySource;

    /** @param bySource source name to its secret; an empty secret: the source sends only unsigned Subscription notifications */
    public WebhookSecrets(Map<String, String> bySource) {
        this.bySource = Map.copyOf(bySource);
    }

    public boolean knows(String source) {
        return source != null && bySource.containsKey(source);
    }

    /** Empty when the source has no secret. */
    public Optional<String> secretOf(String source) {
        return Optional.ofNullable(bySource.get(source)).filter(secret -> !secret.isEmpty());
    }

    @Override
    public String toString() {
        StringBuilder shown = new StringBuilder("WebhookSecrets[");
        bySource.forEach((source, secret) -> shown.append(source).append('=').append(Secrets.redact(secret)).append(' '));
        return shown.toString().strip() + "]";
    }
}
