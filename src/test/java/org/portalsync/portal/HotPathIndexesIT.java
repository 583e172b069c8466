package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.source.hl7v2.Hl7v2Inbox;
import org.portalsync.validate.DataQualityLog;
import org.portalsync.webhook.WebhookInbox;
import org.portalsync.writeback.PortalChangeStore;

/**
 * The statements that run once per record synced (or on every sweep) are served by an index, as the
 * databases' own EXPLAIN shows, on H2 and on PostgreSQL: a statement that scanned its table would make
 * a sync slower with every record before it.
 */
class HotPathIndexesIT {

    /**
     * A statement, with literals for its parameters, and the index that must serve it (a pattern); {@code inIndexOrder}:
     * its ORDER BY must be the index's order, so that the database stops at its FETCH FIRST without sorting every row.
     */
    private record HotPath(String name, String sql, List<String> literals, String index, boolean inIndexOrder) {
        HotPath(String name, String sql, List<String> literals, String index) {
            this(name, sql, literals, index, false);
        }

        String explained() {
            String text = sql;
            for (String literal : literals) {
                text = text.replaceFirst("\\?", literal);
            }
            return "EXPLAIN " + text;
        }
    }

    private static final List<HotPath> HOT_PATHS = List.of(
            new HotPath("a problem already waiting for the digest", DataQualityLog.PENDING_SQL,
                    List.of("'ehr'", "'Patient/1'", "'Patient.telecom[0].value'", "'not a valid phone number'"), "ix_data_quality_issue_record"),
            // once per HL7 v2 batch and leftovers: the row to count them in is found by its mapping, not by a scan
            new HotPath("a mapping's leftovers counted", DataQualityLog.COUNT_SQL, List.of("3", "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00'",
                    "'mapping hl7v2-adt-patient'", "'legacy-adt'", "'HL7v2 unmapped'", "'HL7 v2 ADT^A04 messages: no rule reads PV1'"),
                    "ix_data_quality_issue_record"),
            new HotPath("resolving a record's dead letters", "UPDATE dead_letter SET status = 'RESOLVED'"
                    + " WHERE record_ref = ? AND source = ? AND status IN ('NEW', 'NEEDS_OPERATOR')", List.of("'Patient/1'", "'ehr'"), "ix_dead_letter_record"),
            new HotPath("the portal's patient, by its source record", "SELECT id FROM portal_patient WHERE source = ? AND source_id = ?",
                    List.of("'ehr'", "'1'"), "uq_portal_patient_source"),
            new HotPath("a patient's phones and emails", "SELECT system, contact_value FROM portal_patient_telecom WHERE patient_id = ?"
                    + " ORDER BY system, position", List.of("1"), "primary_key_\\w+|constraint_index_\\w+: patient_id|portal_patient_telecom_pkey"),
            // a poll's page reads and locks all its records at once (DeliverPortalPatient.deliverAll)
            new HotPath("a page's patients, by their source records", "SELECT id FROM portal_patient WHERE (source, source_id) IN ((?, ?), (?, ?))"
                    + " ORDER BY id", List.of("'ehr'", "'1'", "'ehr'", "'2'"), "uq_portal_patient_source"),
            new HotPath("a page's phones and emails", "SELECT patient_id, system, contact_value FROM portal_patient_telecom"
                    + " WHERE patient_id IN (?, ?) ORDER BY patient_id, system, position", List.of("1", "2"),
                    "primary_key_\\w+|constraint_index_\\w+: patient_id|portal_patient_telecom_pkey"),
            new HotPath("a page's addresses", "SELECT patient_id, city FROM portal_patient_address WHERE patient_id IN (?, ?)"
                    + " ORDER BY patient_id, position", List.of("1", "2"), "primary_key_\\w+|constraint_index_\\w+: patient_id|portal_patient_address_pkey"),
            new HotPath("a page's emergency contacts", "SELECT patient_id, given FROM portal_patient_contact WHERE patient_id IN (?, ?)"
                    + " ORDER BY patient_id, position", List.of("1", "2"), "primary_key_\\w+|constraint_index_\\w+: patient_id|portal_patient_contact_pkey"),
            new HotPath("a page's problems waiting for the digest", "SELECT record_ref, field, problem FROM data_quality_issue"
                    + " WHERE record_ref IN (?, ?) AND source = ? AND reported_at IS NULL", List.of("'Patient/1'", "'Patient/2'", "'ehr'"),
                    "ix_data_quality_issue_record"),
            new HotPath("a page's sync statuses", "SELECT source_id, pending_changes FROM patient_sync_status WHERE (source, source_id) IN ((?, ?), (?, ?))",
                    List.of("'ehr'", "'1'", "'ehr'", "'2'"), "primary_key_\\w+|patient_sync_status_pkey"),
            new HotPath("resolving a page's dead letters", "UPDATE dead_letter SET status = 'RESOLVED' WHERE record_ref IN (?, ?) AND source = ?"
                    + " AND status IN ('NEW', 'NEEDS_OPERATOR')", List.of("'Patient/1'", "'Patient/2'", "'ehr'"), "ix_dead_letter_record"),
            new HotPath("the newest row of each webhook resource still pending", WebhookInbox.NEWEST_PENDING_ROWS_SQL_START
                    + "(?, ?, ?), (?, ?, ?)) AND done_at IS NULL GROUP BY resource_id",
                    List.of("'ehr'", "'Patient'", "'1'", "'ehr'", "'Patient'", "'2'"), "ix_webhook_inbox_item_resource"),
            // a worker's batch, and the sweep: however many rows wait, only those returned are read
            new HotPath("the oldest webhook rows no worker holds", WebhookInbox.oldestPendingSql(true, true, 80),
                    List.of("'ehr'", "'Patient'", "TIMESTAMP WITH TIME ZONE '2026-01-01 00:00:00+00'"), "ix_webhook_inbox_item_done", true),
            new HotPath("the oldest webhook rows", WebhookInbox.oldestPendingSql(false, false, 20000), List.of("'ehr'"),
                    "ix_webhook_inbox_item_done", true),
            // the nightly purge: a request goes only when none of its resources is left (InboxRetention)
            new HotPath("a webhook request's resources left", "SELECT 1 FROM webhook_inbox_item i WHERE i.inbox_id = ?", List.of("1"),
                    "ix_webhook_inbox_item_inbox|fk_webhook_inbox_item_inbox_index_\\w+|constraint_\\w+_index_\\w+: inbox_id"),
            new HotPath("the portal's appointment, by its source record", PortalAppointmentStore.FIND_SQL, List.of("'ehr'", "'1'"),
                    "uq_portal_appointment_source"),
            new HotPath("a patient's appointments, by time", "SELECT id FROM portal_appointment WHERE patient_id = ? AND deleted_at IS NULL"
                    + " ORDER BY start_at", List.of("1"),
                    // H2 takes the index it made for the foreign key (renamed constraint_<n>_index_<m> when V14 added a column);
                    // PostgreSQL the explicit one
                    "ix_portal_appointment_patient|public\\.constraint_\\w*index_\\w+: patient_id"),
            new HotPath("the appointments of the days reconciled", "SELECT id FROM portal_appointment WHERE start_at >= ? AND start_at < ?",
                    List.of("TIMESTAMP WITH TIME ZONE '2026-03-08 00:00:00+00'", "TIMESTAMP WITH TIME ZONE '2026-04-07 00:00:00+00'"),
                    "ix_portal_appointment_start"),
            new HotPath("portal changes due", PortalChangeStore.DUE_SQL, List.of("CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"), "ix_portal_change_due"),
            // an HL7 v2 row is claimed only when no older row of its sender waits for its record or its patient (Hl7v2Inbox.claim):
            // each of the three looks by its index, in the statement's order
            new HotPath("an HL7 v2 row's claim", Hl7v2Inbox.CLAIM_SQL, List.of("'WORKING'", "CURRENT_TIMESTAMP", "100", "'PENDING'", "'WORKING'",
                    "CURRENT_TIMESTAMP", "'DONE'", "'DONE'", "'DONE'"),
                    "(?s)ix_legacy_inbox_record.*ix_legacy_inbox_patient.*ix_legacy_inbox_record"),
            // the next waiting row once one is done (Hl7v2Inbox.done): H2 looks it up by the shared key; PostgreSQL, whose statistics
            // say the sender's history is applied, reads the few rows still waiting by their status
            new HotPath("an HL7 v2 record's next message", Hl7v2Inbox.NEXT_WAITING_SQL.get(0), List.of("100", "'PENDING'"),
                    "ix_legacy_inbox_(record|status)"),
            new HotPath("an HL7 v2 patient's next message", Hl7v2Inbox.NEXT_WAITING_SQL.get(1), List.of("100", "'PENDING'"),
                    "ix_legacy_inbox_(patient|status)"),
            new HotPath("an HL7 v2 patient's own next message", Hl7v2Inbox.NEXT_WAITING_SQL.get(2), List.of("100", "'PENDING'"),
                    "ix_legacy_inbox_(record|status)"),
            // a merge (A40) waits for every older row of its sender not yet applied
            new HotPath("an HL7 v2 sender's older messages waiting", Hl7v2Inbox.OLDER_ROW_OF_SENDER_WAITS_SQL,
                    List.of("'PENDING'", "'WORKING'", "6000", "'ADT1^CLINIC'"), "ix_legacy_inbox_status"),
            new HotPath("a patient's conflicts", "SELECT id FROM portal_field_conflict WHERE patient_id = ?", List.of("1"),
                    // H2 indexes a foreign key itself and takes that index; PostgreSQL needs the explicit one
                    "ix_portal_field_conflict_patient|public\\.constraint_index_\\w+: patient_id"));

    static Stream<Arguments> cases() {
        return TestDatabases.kinds().stream().flatMap(kind -> HOT_PATHS.stream().map(path -> Arguments.of(kind, path.name())));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void isServedByItsIndex(String kind, String name) {
        HotPath path = HOT_PATHS.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            String plan = database.inTransaction(connection -> {
                try (Statement statement = connection.createStatement()) {
                    if (kind.equals("postgresql")) {
                        // an empty table is cheaper to scan; ask whether an index can serve at all
                        statement.execute("SET LOCAL enable_seqscan = off");
                        // problems wait for the daily digest (reported_at IS NULL) by the thousand: with statistics that
                        // say so, an index on reported_at must not look better than one on the record
                        statement.execute("INSERT INTO data_quality_issue (detected_at, source, record_ref, field, problem, rejects_record)"
                                + " SELECT CURRENT_TIMESTAMP, 'ehr', 'Patient/' || n, 'Patient.telecom[0].value', 'not a valid phone number', FALSE"
                                + " FROM generate_series(1, 5000) AS n");
                        statement.execute("ANALYZE data_quality_issue");
                        // an HL7 v2 sender's history, applied (DONE) but kept until the retention purges it: the rows still
                        // waiting must be found without reading it
                        statement.execute("INSERT INTO legacy_inbox (received_at, sender, control_id, message_type, mapping, source, record_ref,"
                                + " patient_ref, message, resource, status, done_at) SELECT CURRENT_TIMESTAMP, 'ADT1^CLINIC', 'C' || n, 'ADT^A08',"
                                + " 'adt.yaml', 'v2', 'Patient/v2-' || n, 'Patient/v2-' || n, 'MSH|', '{}', 'DONE', CURRENT_TIMESTAMP"
                                + " FROM generate_series(1, 5000) AS n");
                        statement.execute("ANALYZE legacy_inbox");
                    }
                    StringBuilder text = new StringBuilder();
                    try (ResultSet rows = statement.executeQuery(path.explained())) {
                        while (rows.next()) {
                            text.append(rows.getString(1)).append('\n');
                        }
                    }
                    return text.toString().toLowerCase(Locale.ROOT);
                }
            });
            assertThat(plan).as(plan).containsPattern(path.index()).doesNotContain("tablescan").doesNotContain("seq scan")
                    // H2 serves "source = ? AND source_id IN (...)" by the source alone: every row of the source is read
                    .doesNotContainPattern(": source = 'ehr'\\s*\\*/")
                    // nor a row value it can look up only by its first column (a row that is not an index's whole key)
                    .doesNotContainPattern(": (done_at is null\\s+and\\s+)?source in\\(");
            if (path.inIndexOrder()) {
                // H2 says so in its plan; PostgreSQL shows a Sort node (with its "Sort Key") when it sorts
                if (kind.equals("h2")) {
                    assertThat(plan).as(plan).contains("/* index sorted */");
                } else {
                    assertThat(plan).as(plan).doesNotContain("sort key");
                }
            }
        }
    }
}
