package org.portalsync.console;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.portal.PortalDatabase;

/**
 * The dead letters as the console shows and works them: with their re-sync attempts and a summary of the
 * payload that names only the record (type, id, version, size), never its values; claimed for a replay by an
 * operator, or discarded with a reason. Closing a dead letter when its record syncs stays with
 * {@link DeadLetterStore#resolve}: a replay goes through the record's normal refresh route. What the console reports
 * done is on disk first ({@link PortalDatabase#inDurableTransaction}): an operator does not redo what a page said was done.
 */
public final class ConsoleDeadLetters {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPEN = "status IN ('" + DeadLetterStore.OPEN + "', '" + DeadLetterStore.NEEDS_OPERATOR + "')";
    private static final String COLUMNS = "id, failed_at, route_id, source, record_ref, cause_type, cause_message, status, resync_attempts,"
            + " next_resync_at, operator_replays, last_replayed_at, last_replayed_by, discarded_at, discarded_by, discard_reason, payload,"
            + " legacy_inbox_id";
    public static final String DISCARDED = "DISCARDED";

    /** A dead letter without its payload, which is PHI; {@code payloadSummary} names the record only. */
    public record Letter(long id, Instant failedAt, String routeId, String source, String record, String causeType, String cause, String status,
            int resyncAttempts, Instant nextResyncAt, int operatorReplays, Instant lastReplayedAt, String lastReplayedBy, Instant discardedAt,
            String discardedBy, String discardReason, String payloadSummary, Long legacyInboxId) {

        public boolean open() {
            return DeadLetterStore.OPEN.equals(status) || DeadLetterStore.NEEDS_OPERATOR.equals(status);
        }
    }

    /**
     * A letter claimed for a replay: the refresh route of its record type, and the record's id at the source; or, for a
     * record of an HL7 v2 message, that message (its inbox id), to be applied again.
     */
    public record Claimed(long id, String recordType, String recordId, Long legacyInboxId) {
    }

    private final PortalDatabase database;
    private final String source;
    private final boolean hl7v2Inbox;

    /**
     * @param source     the FHIR source's name: its records can be read again from the EHR
     * @param hl7v2Inbox whether HL7 v2 messages are applied here: then a record of one can have its message applied again
     */
    public ConsoleDeadLetters(PortalDatabase database, String source, boolean hl7v2Inbox) {
        this.database = database;
        this.source = source;
        this.hl7v2Inbox = hl7v2Inbox;
    }

    public List<Letter> open(int limit) {
        return select("SELECT " + COLUMNS + " FROM dead_letter WHERE " + OPEN + " ORDER BY failed_at, id", limit);
    }

    public long countOpen() {
        return database.inTransaction(connection -> {
            try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM dead_letter WHERE " + OPEN);
                    ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    public List<Letter> recentlyClosed(int limit) {
        return select("SELECT " + COLUMNS + " FROM dead_letter WHERE NOT " + OPEN + " ORDER BY id DESC", limit);
    }

    public List<Letter> ofRecord(String recordSource, String record, int limit) {
        return select("SELECT " + COLUMNS + " FROM dead_letter WHERE source = ? AND record_ref = ? ORDER BY id DESC", limit, recordSource, record);
    }

    public Optional<Letter> find(long id) {
        return select("SELECT " + COLUMNS + " FROM dead_letter WHERE id = ?", 1, id).stream().findFirst();
    }

    /**
     * Whether the console can replay this letter: read its record again from the EHR (a record of the FHIR source, of a
     * type with a refresh route), or apply its HL7 v2 message again (where the inbox workers run).
     */
    public boolean replayable(Letter letter) {
        if (letter.legacyInboxId() != null) {
            return hl7v2Inbox;
        }
        return source.equals(letter.source()) && recordType(letter.record()) != null;
    }

    /**
     * Claims the open, replayable letters among these ids for a replay by {@code operator}: each counts one operator
     * replay. A letter replayed in the last {@code guardSeconds} (a second click while the first replay still runs)
     * is not claimed again.
     */
    public List<Claimed> claim(Collection<Long> ids, String operator, Instant now, int guardSeconds) {
        return database.inDurableTransaction(connection -> {
            List<Claimed> claimed = new ArrayList<>();
            for (long id : ids) {
                Optional<Letter> letter = select(connection, "SELECT " + COLUMNS + " FROM dead_letter WHERE id = ?", 1, id).stream().findFirst();
                if (letter.isEmpty() || !letter.get().open() || !replayable(letter.get())) {
                    continue;
                }
                try (PreparedStatement update = connection.prepareStatement("UPDATE dead_letter SET operator_replays = operator_replays + 1,"
                        + " last_replayed_at = ?, last_replayed_by = ? WHERE id = ? AND " + OPEN + " AND (last_replayed_at IS NULL OR last_replayed_at < ?)")) {
                    update.setObject(1, PortalDatabase.utc(now));
                    update.setString(2, operator);
                    update.setLong(3, id);
                    update.setObject(4, PortalDatabase.utc(now.minusSeconds(guardSeconds)));
                    if (update.executeUpdate() == 1) {
                        String record = letter.get().record();
                        claimed.add(new Claimed(id, recordType(record), record.substring(record.indexOf('/') + 1), letter.get().legacyInboxId()));
                    }
                }
            }
            return claimed;
        });
    }

    /** Discards the open letters among these ids, with the operator's reason. @return the ids discarded */
    public List<Long> discard(Collection<Long> ids, String operator, String reason, Instant now) {
        return database.inDurableTransaction(connection -> {
            List<Long> discarded = new ArrayList<>();
            try (PreparedStatement update = connection.prepareStatement("UPDATE dead_letter SET status = '" + DISCARDED + "', discarded_at = ?,"
                    + " discarded_by = ?, discard_reason = ? WHERE id = ? AND " + OPEN)) {
                for (long id : ids) {
                    update.setObject(1, PortalDatabase.utc(now));
                    update.setString(2, operator);
                    update.setString(3, reason);
                    update.setLong(4, id);
                    if (update.executeUpdate() == 1) {
                        discarded.add(id);
                    }
                }
            }
            return discarded;
        });
    }

    /** Patient, Appointment or Coverage (the types with a refresh route), or null. */
    static String recordType(String record) {
        if (record == null) {
            return null;
        }
        for (String type : List.of("Patient", "Appointment", "Coverage")) {
            if (record.startsWith(type + "/") && record.length() > type.length() + 1) {
                return type;
            }
        }
        return null;
    }

    /** e.g. {@code Patient/123, version 4, 2.1 kB}: what the payload is, never what it says. */
    static String summary(String payload) {
        if (payload == null) {
            return "no payload";
        }
        String size = String.format(java.util.Locale.ROOT, "%.1f kB", payload.getBytes(StandardCharsets.UTF_8).length / 1000.0);
        try {
            JsonNode json = JSON.readTree(payload);
            if (json != null && json.hasNonNull("resourceType")) {
                String id = json.path("id").asText("");
                String version = json.path("meta").path("versionId").asText("");
                String type = json.get("resourceType").asText();
                if ("Bundle".equals(type)) {
                    return "Bundle of " + json.path("entry").size() + " entries, " + size;
                }
                return type + (id.isEmpty() ? "" : "/" + id) + (version.isEmpty() ? "" : ", version " + version) + ", " + size;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not JSON (an HL7 v2 message, a journal line): described by its size only
        }
        // a refresh's dead letter holds the id it was asked for, which the record column names already
        return payload.strip().matches("[A-Za-z0-9.-]{1,64}") ? "the record's id only" : size + ", not FHIR JSON";
    }

    private List<Letter> select(String sql, int limit, Object... parameters) {
        return database.inTransaction(connection -> select(connection, sql, limit, parameters));
    }

    private static List<Letter> select(Connection connection, String sql, int limit, Object... parameters) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                select.setObject(i + 1, parameters[i]);
            }
            select.setMaxRows(limit);
            List<Letter> letters = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    letters.add(new Letter(rows.getLong("id"), instant(rows, "failed_at"), rows.getString("route_id"), rows.getString("source"),
                            rows.getString("record_ref"), rows.getString("cause_type"), rows.getString("cause_message"), rows.getString("status"),
                            rows.getInt("resync_attempts"), instant(rows, "next_resync_at"), rows.getInt("operator_replays"),
                            instant(rows, "last_replayed_at"), rows.getString("last_replayed_by"), instant(rows, "discarded_at"),
                            rows.getString("discarded_by"), rows.getString("discard_reason"), summary(rows.getString("payload")),
                            rows.getObject("legacy_inbox_id") == null ? null : rows.getLong("legacy_inbox_id")));
                }
            }
            return letters;
        }
    }

    private static Instant instant(ResultSet rows, String column) throws SQLException {
        OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
