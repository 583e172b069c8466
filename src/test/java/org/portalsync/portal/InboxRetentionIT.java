package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * The nightly inbox purge on H2 and PostgreSQL: rows seeded with known times and states, and the rows
 * that must stay named by the seed itself (still waiting, or done at or after the cutoff), never read
 * back from what the purge did.
 */
class InboxRetentionIT {

    private static final Instant CUTOFF = Instant.parse("2026-10-28T08:15:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    /** A webhook resource row as seeded: done_at null is still waiting. */
    private record Item(String resourceId, Instant doneAt) {
        boolean purged() {
            return doneAt != null && doneAt.isBefore(CUTOFF);
        }
    }

    /** A webhook request as seeded, named by its event id. */
    private record Request(String eventId, Instant receivedAt, List<Item> items) {
        boolean purged() {
            return receivedAt.isBefore(CUTOFF) && items.stream().allMatch(Item::purged);
        }
    }

    /** An HL7 v2 message as seeded, named by its control id; {@code deadLetter}: the status of a dead letter naming it, or null. */
    private record Message(String controlId, Instant receivedAt, String status, Instant doneAt, String deadLetter) {
        Message(String controlId, Instant receivedAt, String status, Instant doneAt) {
            this(controlId, receivedAt, status, doneAt, null);
        }

        boolean purged() {
            return status.equals("DONE") && doneAt.isBefore(CUTOFF) && !"NEW".equals(deadLetter) && !"NEEDS_OPERATOR".equals(deadLetter);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void onlyRowsDoneBeforeTheCutoffGoAndARequestGoesOnlyWithItsLastResource(String kind) throws SQLException {
        Instant old = CUTOFF.minus(Duration.ofDays(10));
        List<Request> requests = List.of(
                new Request("all-done", old, List.of(new Item("a1", old.plus(DAY)), new Item("a2", old.plusSeconds(5)))),
                new Request("one-waiting", old, List.of(new Item("b1", old.plus(DAY)), new Item("b2", null))),
                new Request("heartbeat", old, List.of()),
                new Request("done-after-cutoff", CUTOFF.minus(DAY), List.of(new Item("d1", CUTOFF.plusSeconds(3600)))),
                new Request("done-just-before", CUTOFF.minus(DAY), List.of(new Item("e1", CUTOFF.minusMillis(1)))),
                new Request("received-at-cutoff", CUTOFF, List.of()),
                new Request("recent", CUTOFF.plus(DAY), List.of(new Item("f1", CUTOFF.plus(DAY)))));
        List<Message> messages = List.of(
                new Message("m-done", old, "DONE", old.plusSeconds(1)),
                // a re-sync, or an operator, may still apply these again
                new Message("m-dead-letter-open", old, "DONE", old.plusSeconds(1), "NEW"),
                new Message("m-dead-letter-for-operator", old, "DONE", old.plusSeconds(1), "NEEDS_OPERATOR"),
                new Message("m-dead-letter-resolved", old, "DONE", old.plusSeconds(1), "RESOLVED"),
                new Message("m-pending", old, "PENDING", null),
                new Message("m-working", old, "WORKING", null),
                new Message("m-done-after-cutoff", CUTOFF.minus(DAY), "DONE", CUTOFF.plusSeconds(1)),
                new Message("m-done-just-before", CUTOFF.minus(DAY), "DONE", CUTOFF.minusMillis(1)),
                new Message("m-recent", CUTOFF.plus(DAY), "DONE", CUTOFF.plus(DAY)));

        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            seed(database, requests, messages);

            InboxRetention.Purged purged = new InboxRetention(database).purge(CUTOFF);

            assertThat(remainingRequests(database)).isEqualTo(expectedRequests(requests));
            assertThat(remainingItems(database)).isEqualTo(expectedItems(requests));
            assertThat(remainingMessages(database)).isEqualTo(expectedMessages(messages));
            assertThat(purged).isEqualTo(expectedPurged(requests, messages));
            // nothing more to do: the same purge again deletes nothing
            assertThat(new InboxRetention(database).purge(CUTOFF).total()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aLongOldHeadIsPurgedBatchByBatchPastRowsStillWaiting(String kind) throws SQLException {
        int oldCount = 3 * InboxRetention.BATCH + 17;
        List<Request> requests = new ArrayList<>();
        List<Message> messages = new ArrayList<>();
        Instant first = CUTOFF.minus(Duration.ofDays(40));
        for (int i = 0; i < oldCount; i++) {
            Instant received = first.plusSeconds(60L * i);
            // every 101st request still has a resource waiting; every 97th message is still pending
            requests.add(new Request("old-" + i, received, List.of(new Item("r" + i, i % 101 == 0 ? null : received.plusSeconds(30)))));
            messages.add(i % 97 == 0 ? new Message("old-" + i, received, "PENDING", null) : new Message("old-" + i, received, "DONE",
                    received.plusSeconds(30)));
        }
        for (int i = 0; i < 40; i++) {
            Instant received = CUTOFF.plusSeconds(60L * i);
            requests.add(new Request("new-" + i, received, List.of(new Item("n" + i, received.plusSeconds(30)))));
            messages.add(new Message("new-" + i, received, "DONE", received.plusSeconds(30)));
        }

        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            seed(database, requests, messages);

            InboxRetention.Purged purged = new InboxRetention(database).purge(CUTOFF);

            Set<String> requestsLeft = expectedRequests(requests);
            Set<String> messagesLeft = expectedMessages(messages);
            assertThat(remainingRequests(database)).isEqualTo(requestsLeft);
            assertThat(remainingItems(database)).isEqualTo(expectedItems(requests));
            assertThat(remainingMessages(database)).isEqualTo(messagesLeft);
            // from the seed's own arithmetic: 0, 101, 202, ... and 0, 97, 194, ... of the old ones stay
            int waitingRequests = (oldCount - 1) / 101 + 1;
            int pendingMessages = (oldCount - 1) / 97 + 1;
            assertThat(requestsLeft).hasSize(waitingRequests + 40);
            assertThat(messagesLeft).hasSize(pendingMessages + 40);
            assertThat(purged).isEqualTo(new InboxRetention.Purged(oldCount - waitingRequests, oldCount - waitingRequests,
                    oldCount - pendingMessages));
        }
    }

    @Test
    void theEngineRunsThePurgeWithItsRetentionAndSaysWhatItDeleted() throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.RETENTION_INBOX, "7d");
        try (TestEngine engine = TestEngine.start(settings)) {
            Instant now = Instant.now();
            try (Connection connection = engine.database().getConnection()) {
                insertRequest(connection, new Request("eight-days", now.minus(Duration.ofDays(8)), List.of()));
                insertRequest(connection, new Request("six-days", now.minus(Duration.ofDays(6)), List.of()));
                insertMessage(connection, new Message("eight-days", now.minus(Duration.ofDays(8)), "DONE", now.minus(Duration.ofDays(8))));
            }

            Object said = engine.request("direct:inbox-retention", null);

            assertThat(said.toString()).contains("(retention 7d)").contains(": 1 webhook requests, 0 webhook resources, 1 HL7 v2 messages");
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox WHERE event_id = 'six-days'")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM webhook_inbox")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM legacy_inbox")).isZero();
        }
    }

    /** What the seed's own rules say goes: requests, their resource rows, messages. */
    private static InboxRetention.Purged expectedPurged(List<Request> requests, List<Message> messages) {
        return new InboxRetention.Purged(requests.stream().filter(Request::purged).count(),
                requests.stream().flatMap(r -> r.items().stream()).filter(Item::purged).count(), messages.stream().filter(Message::purged).count());
    }

    private static Set<String> expectedRequests(List<Request> requests) {
        Set<String> left = new TreeSet<>();
        requests.stream().filter(r -> !r.purged()).forEach(r -> left.add(r.eventId()));
        return left;
    }

    private static Set<String> expectedItems(List<Request> requests) {
        Set<String> left = new TreeSet<>();
        requests.forEach(r -> r.items().stream().filter(i -> !i.purged()).forEach(i -> left.add(i.resourceId())));
        return left;
    }

    private static Set<String> expectedMessages(List<Message> messages) {
        Set<String> left = new TreeSet<>();
        messages.stream().filter(m -> !m.purged()).forEach(m -> left.add(m.controlId()));
        return left;
    }

    private static void seed(PortalDatabase database, List<Request> requests, List<Message> messages) {
        database.inTransaction(connection -> {
            for (Request request : requests) {
                insertRequest(connection, request);
            }
            for (Message message : messages) {
                insertMessage(connection, message);
            }
            return null;
        });
    }

    private static void insertRequest(Connection connection, Request request) throws SQLException {
        long id;
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO webhook_inbox (source, event_id, kind, received_at)"
                + " VALUES ('ehr', ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, request.eventId());
            insert.setString(2, request.items().isEmpty() ? "heartbeat" : "event");
            insert.setObject(3, PortalDatabase.utc(request.receivedAt()));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO webhook_inbox_item (inbox_id, source, resource_type,"
                + " resource_id, received_at, done_at, outcome) VALUES (?, 'ehr', 'Appointment', ?, ?, ?, ?)")) {
            for (Item item : request.items()) {
                insert.setLong(1, id);
                insert.setString(2, item.resourceId());
                insert.setObject(3, PortalDatabase.utc(request.receivedAt()));
                insert.setObject(4, PortalDatabase.utc(item.doneAt()));
                insert.setString(5, item.doneAt() == null ? null : "SYNCED");
                insert.executeUpdate();
            }
        }
    }

    private static void insertMessage(Connection connection, Message message) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO legacy_inbox (received_at, sender, control_id, message_type,"
                + " mapping, source, record_ref, message, resource, status, claimed_at, done_at)"
                + " VALUES (?, 'LAB^CLINIC', ?, 'ADT^A08', 'adt.yaml', 'legacy', 'Patient/v2-1', 'MSH|...', '{}', ?, ?, ?)")) {
            insert.setObject(1, PortalDatabase.utc(message.receivedAt()));
            insert.setString(2, message.controlId());
            insert.setString(3, message.status());
            insert.setObject(4, message.status().equals("WORKING") ? PortalDatabase.utc(message.receivedAt()) : null);
            insert.setObject(5, PortalDatabase.utc(message.doneAt()));
            insert.executeUpdate();
        }
        if (message.deadLetter() != null) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO dead_letter (failed_at, route_id, source, record_ref, cause_type,"
                    + " status, legacy_inbox_id) SELECT ?, 'observation-sync-one', 'legacy', 'Observation/v2-obs-1', 'Failure', ?, id"
                    + " FROM legacy_inbox WHERE control_id = ?")) {
                insert.setObject(1, PortalDatabase.utc(message.doneAt()));
                insert.setString(2, message.deadLetter());
                insert.setString(3, message.controlId());
                assertThat(insert.executeUpdate()).isOne();
            }
        }
    }

    private static Set<String> remainingRequests(PortalDatabase database) {
        return column(database, "SELECT event_id FROM webhook_inbox");
    }

    private static Set<String> remainingItems(PortalDatabase database) {
        return column(database, "SELECT resource_id FROM webhook_inbox_item");
    }

    private static Set<String> remainingMessages(PortalDatabase database) {
        return column(database, "SELECT control_id FROM legacy_inbox");
    }

    private static Set<String> column(PortalDatabase database, String sql) {
        return database.inTransaction(connection -> {
            Set<String> values = new TreeSet<>();
            try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
            return values;
        });
    }
}
