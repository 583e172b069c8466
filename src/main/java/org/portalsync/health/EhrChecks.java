package org.portalsync.health;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.auth.AccessTokenSource;
import org.portalsync.auth.AuthenticationFailedException;

/**
 * Readiness of one FHIR EHR, as two checks: {@code ehr-<source>} (does its server answer: {@code GET
 * [base]/metadata}, which FHIR serves without a token) and {@code ehr-<source>-token} (can the engine get
 * a token: obtainable, expired, auth-failing). Each look is kept for the probe interval, so that an
 * orchestrator probing every few seconds does not load the EHR; the token itself never leaves the source.
 */
public final class EhrChecks {

    /** Camel's health-check group of the engine's own checks. */
    public static final String GROUP = "portal-sync";

    private EhrChecks() {
    }

    /**
     * @param audit    the probe is an outbound request: it is audited, with a result other than {@code success},
     *                 so that it never ends an alert's outage (only the engine's own calls do)
     */
    public static HealthCheck reachability(String source, String baseUrl, HttpClient http, Duration timeout, Duration probeInterval,
            AuditTrail audit, String actor, Clock clock) {
        URI metadata = URI.create(baseUrl + "/metadata?_summary=true");
        return new Cached(GROUP, "ehr-" + source, probeInterval, clock, () -> {
            Instant at = clock.instant();
            String result;
            Look look;
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(metadata).timeout(timeout).header("Accept", "application/fhir+json")
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                // 502/503/504: a gateway in front says the EHR is not there; 500 and the like: it is there, but failing
                boolean up = status != 502 && status != 503 && status != 504;
                result = (up ? "reachable" : "unreachable") + " (HTTP " + status + ")";
                look = new Look(up, "EHR " + source + " at " + metadata.getHost() + " answered HTTP " + status, Map.of("status", status));
            } catch (java.io.IOException e) {
                result = "unreachable (" + e.getClass().getSimpleName() + ")";
                look = new Look(false, "EHR " + source + " at " + metadata.getHost() + " cannot be reached: " + e.getClass().getSimpleName(),
                        Map.of());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Look(false, "interrupted while probing EHR " + source, Map.of());
            }
            audit.record(new AuditEvent(at, actor, "Health.probe", metadata.getPath(), metadata.getHost(), result));
            return look;
        });
    }

    /** Token status: obtainable (with its expiry), expired (and no new one), auth-failing; never the token. */
    public static HealthCheck token(String source, AccessTokenSource tokens, Duration probeInterval, Clock clock) {
        return new Cached(GROUP, "ehr-" + source + "-token", probeInterval, clock, () -> {
            try {
                if (tokens.accessToken() == null) {
                    return new Look(true, "EHR " + source + " takes requests without a token", Map.of("token", "none"));
                }
                return new Look(true, "a token for EHR " + source + " is obtainable", tokens.expiresAt()
                        .<Map<String, Object>>map(expiry -> Map.of("token", "obtainable", "expiresAt", expiry.toString()))
                        .orElse(Map.of("token", "obtainable")));
            } catch (AuthenticationFailedException e) {
                return new Look(false, "EHR " + source + ": authentication failing: " + e.getMessage(), Map.of("token", "auth-failing"));
            } catch (RuntimeException e) {
                boolean expired = tokens.expiresAt().map(expiry -> !expiry.isAfter(clock.instant())).orElse(false);
                return new Look(false, "EHR " + source + ": " + (expired ? "the last token has expired and no new one can be obtained: "
                        : "no token can be obtained: ") + e.getMessage(), Map.of("token", expired ? "expired" : "unobtainable"));
            }
        });
    }

    /** One look at the EHR: up or down, why, and details for the JSON. */
    record Look(boolean up, String message, Map<String, Object> details) {
    }

    /** Keeps a look for the probe interval. Readiness only: restarting the engine does not bring an EHR back. */
    private static final class Cached extends AbstractHealthCheck {

        private final Duration keep;
        private final Clock clock;
        private final Supplier<Look> probe;
        private Look last;
        private Instant lookedAt;

        Cached(String group, String id, Duration keep, Clock clock, Supplier<Look> probe) {
            super(group, id);
            this.keep = keep;
            this.clock = clock;
            this.probe = probe;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected synchronized void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            Instant now = clock.instant();
            if (last == null || !now.isBefore(lookedAt.plus(keep))) {
                last = probe.get();
                lookedAt = now;
            }
            (last.up() ? builder.up() : builder.down()).message(last.message()).details(last.details()).detail("checkedAt", lookedAt.toString());
        }
    }
}
