package org.portalsync.writeback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.ApiResponses;
import org.portalsync.authority.Initiator;

/**
 * What every change the portal submits shares, whatever it changes: the client's idempotency key, who made it
 * and when, and the answer ({@code 202} with the status URL once stored; the same key again: {@code 200} with the
 * first change; the same key with another request: {@code 409}).
 */
final class ChangeSubmission {

    /** A portal clock a little ahead of ours is tolerated; further is a wrong clock, which would win every last-write-wins. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

    /** Stores a new change in the caller's transaction, with the hash of its request. @return its id */
    @FunctionalInterface
    interface Store {
        long submit(Connection connection, String requestHash) throws SQLException;
    }

    /** A change stored now (202), or the one stored first under the same key (200). */
    record Answer(long id, int status) {
    }

    private ChangeSubmission() {
    }

    static String key(String changeKey) {
        String key = required(changeKey, "change_key");
        if (key.length() > 100) {
            throw ApiRefusal.badRequest("change_key is longer than 100 characters.");
        }
        return key;
    }

    static Initiator initiator(String initiatedBy) {
        return Initiator.byConfigName(required(initiatedBy, "initiated_by"))
                .filter(i -> i != Initiator.EHR)
                .orElseThrow(() -> ApiRefusal.badRequest("initiated_by must be patient or staff."));
    }

    /** @return when the change was made: as the portal says, else now */
    static Instant changedAt(Instant given, Instant now) {
        Instant changedAt = given == null ? now : given;
        if (changedAt.isAfter(now.plus(CLOCK_SKEW))) {
            throw new ApiRefusal(422, "invalid_value", "changed_at is in the future: check the portal's clock.");
        }
        return changedAt;
    }

    /** The same key again answers the first change; with another request, 409; else {@code store} stores it. */
    static Answer once(Connection connection, PortalChangeStore changes, String clientId, String key, String request, Store store)
            throws SQLException {
        String hash = hash(request);
        Optional<Map.Entry<Long, String>> earlier = changes.findByKey(connection, clientId, key);
        if (earlier.isPresent()) {
            if (!earlier.get().getValue().equals(hash)) {
                throw new ApiRefusal(409, "change_key_reused", "change_key was used before for another change.");
            }
            return new Answer(earlier.get().getKey(), 200);
        }
        return new Answer(store.submit(connection, hash), 202);
    }

    /** Answers, and hands a new change over to the write-back after the answer. */
    static void answer(Exchange exchange, Answer answer) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("change_id", answer.id());
        body.put("status", answer.status() == 202 ? PortalChange.Status.PENDING.name() : "ALREADY_SUBMITTED");
        body.put("status_url", "/api/v1/changes/" + answer.id());
        ApiResponses.json(exchange, answer.status(), body);
        exchange.getMessage().setHeader(AcceptPatientChange.CHANGE_ID, answer.status() == 202 ? answer.id() : null);
    }

    static String required(String value, String name) {
        if (value == null || value.isBlank()) {
            throw ApiRefusal.badRequest(name + " is required.");
        }
        return value.strip();
    }

    static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
