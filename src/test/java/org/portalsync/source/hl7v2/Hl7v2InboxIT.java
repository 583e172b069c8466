package org.portalsync.source.hl7v2;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;

/**
 * The legacy inbox on H2 and a real PostgreSQL: a sender's messages for one record, and for one patient, are claimed oldest first,
 * whichever a worker asks for first (as two instances would), and a control id is stored once.
 */
class Hl7v2InboxIT {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    static List<String> databases() {
        return TestDatabases.kinds();
    }

    private static Hl7v2Inbox.Received message(String sender, String controlId, String record) {
        return message(sender, controlId, "ADT^A08", record);
    }

    private static Hl7v2Inbox.Received message(String sender, String controlId, String type, String record) {
        return new Hl7v2Inbox.Received(NOW, sender, controlId, type, "hl7v2-adt-patient", "legacy-adt", record, record, "MSH|...",
                "{\"resourceType\":\"Patient\",\"id\":\"" + record.substring("Patient/".length()) + "\"}");
    }

    /** An SIU: its record the appointment, its patient the PID's ({@code null} as rows stored before patient_ref have). */
    private static Hl7v2Inbox.Received appointment(String controlId, String record, String patient) {
        return new Hl7v2Inbox.Received(NOW, "LEGACY^CLINIC-A", controlId, "SIU^S12", "hl7v2-siu-appointment", "legacy-adt", record, patient,
                "MSH|...", "{\"resourceType\":\"Appointment\",\"id\":\"" + record.substring("Appointment/".length()) + "\"}");
    }

    /** Each row's patient_ref, {@code -} for null. */
    private static List<String> patientRefs(PortalDatabase database, long... ids) {
        return database.inTransaction(connection -> {
            List<String> refs = new java.util.ArrayList<>();
            for (long id : ids) {
                try (java.sql.ResultSet row = connection.createStatement().executeQuery("SELECT patient_ref FROM legacy_inbox WHERE id = " + id)) {
                    row.next();
                    refs.add(row.getString(1) == null ? "-" : row.getString(1));
                }
            }
            return refs;
        });
    }

    private static long store(PortalDatabase database, Hl7v2Inbox inbox, Hl7v2Inbox.Received message) {
        return database.inTransaction(connection -> inbox.store(connection, message)).orElseThrow();
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aRecordsLaterMessageWaitsUntilItsEarlierOneIsDone(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            Hl7v2Inbox inbox = new Hl7v2Inbox(database, Duration.ofMinutes(5));
            long a04 = store(database, inbox, message("LEGACY^CLINIC-A", "C-10561", "Patient/v2-a"));
            long a08 = store(database, inbox, message("LEGACY^CLINIC-A", "C-10562", "Patient/v2-a"));
            long other = store(database, inbox, message("LEGACY^CLINIC-A", "C-10563", "Patient/v2-b"));
            long otherSender = store(database, inbox, message("LEGACY^CLINIC-B", "C-10564", "Patient/v2-a"));

            assertThat(inbox.claim(a08, NOW)).as("its A04 is still waiting").isEmpty();
            assertThat(inbox.claim(other, NOW)).as("another record does not wait").isPresent();
            assertThat(inbox.claim(otherSender, NOW)).as("another sender does not wait").isPresent();
            assertThat(inbox.claim(a04, NOW)).map(Hl7v2Inbox.Entry::controlId).contains("C-10561");
            assertThat(inbox.claim(a04, NOW)).as("claimed once").isEmpty();
            assertThat(inbox.claim(a08, NOW)).as("its A04 is being applied").isEmpty();

            assertThat(inbox.done(a04, NOW)).as("the record's next").contains(a08);
            assertThat(inbox.claim(a08, NOW)).map(Hl7v2Inbox.Entry::receivedAt).contains(NOW);
            assertThat(inbox.waiting(NOW, 10)).isEmpty();
            assertThat(inbox.waiting(NOW.plus(Duration.ofMinutes(6)), 10)).as("claims of a worker that stopped")
                    .containsExactly(a08, other, otherSender);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aPatientsMessagesAreAppliedInOrderAcrossRecords(String kind) {
        assertAppliedInOrderAcrossRecords(kind, false);
    }

    /**
     * ADT rows stored before an ADT's patient_ref was left null (V28) name their own record there: the same order holds
     * with such a row (the A04) waiting beside rows of the new form (the A08), as at an upgrade.
     */
    @ParameterizedTest
    @MethodSource("databases")
    void anAdtStoredWithItsPatientNamedIsOrderedAsBefore(String kind) {
        assertAppliedInOrderAcrossRecords(kind, true);
    }

    private static void assertAppliedInOrderAcrossRecords(String kind, boolean adtPatientNamed) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            Hl7v2Inbox inbox = new Hl7v2Inbox(database, Duration.ofMinutes(5));
            long a04 = store(database, inbox, message("LEGACY^CLINIC-A", "C-11121", "ADT^A04", "Patient/v2-a"));
            long s12 = store(database, inbox, appointment("C-11122", "Appointment/v2-x", "Patient/v2-a"));
            long a08 = store(database, inbox, message("LEGACY^CLINIC-A", "C-11123", "ADT^A08", "Patient/v2-a"));
            long otherPatient = store(database, inbox, appointment("C-11124", "Appointment/v2-y", "Patient/v2-b"));
            long storedBefore = store(database, inbox, appointment("C-11125", "Appointment/v2-z", null));
            assertThat(patientRefs(database, a04, s12, a08)).as("an ADT is about its own record: no patient of its own")
                    .containsExactly("-", "Patient/v2-a", "-");
            if (adtPatientNamed) {
                database.inTransaction(connection -> connection.createStatement().executeUpdate(
                        "UPDATE legacy_inbox SET patient_ref = record_ref WHERE id = " + a04));
            }

            assertThat(inbox.claim(s12, NOW)).as("the SIU waits for its patient's older A04").isEmpty();
            assertThat(inbox.claim(otherPatient, NOW)).as("another patient's SIU does not wait").isPresent();
            assertThat(inbox.claim(storedBefore, NOW)).as("a row without a patient is ordered by its record alone").isPresent();
            assertThat(inbox.claim(a04, NOW)).isPresent();
            assertThat(inbox.done(a04, NOW)).as("the next rows of its patient (the SIU) and of its record").containsExactly(s12, a08);
            assertThat(inbox.claim(a08, NOW)).as("the A08 waits for the older SIU of its patient").isEmpty();
            assertThat(inbox.claim(s12, NOW)).isPresent();
            assertThat(inbox.done(s12, NOW)).as("the next row of the SIU's patient").containsExactly(a08);
            assertThat(inbox.claim(a08, NOW)).map(Hl7v2Inbox.Entry::controlId).contains("C-11123");
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aMergeWaitsForEveryOlderMessageOfItsSenderWhateverTheRecord(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            Hl7v2Inbox inbox = new Hl7v2Inbox(database, Duration.ofMinutes(5));
            long survivor = store(database, inbox, message("LEGACY^CLINIC-A", "C-10566", "ADT^A04", "Patient/v2-s"));
            long merged = store(database, inbox, message("LEGACY^CLINIC-A", "C-10567", "ADT^A04", "Patient/v2-m"));
            long otherSender = store(database, inbox, message("LEGACY^CLINIC-B", "C-10568", "ADT^A04", "Patient/v2-o"));
            long merge = store(database, inbox, message("LEGACY^CLINIC-A", "C-10569", "ADT^A40^ADT_A39", "Patient/v2-s"));
            long later = store(database, inbox, message("LEGACY^CLINIC-A", "C-10570", "ADT^A08", "Patient/v2-l"));

            assertThat(inbox.claim(survivor, NOW)).isPresent();
            assertThat(inbox.done(survivor, NOW)).as("the survivor's next row is the merge").contains(merge);
            assertThat(inbox.claim(merge, NOW)).as("the merged patient's A04 is still waiting").isEmpty();
            assertThat(inbox.claim(merged, NOW)).isPresent();
            assertThat(inbox.claim(merge, NOW)).as("the merged patient's A04 is being applied").isEmpty();
            assertThat(inbox.claim(later, NOW)).as("a later message of another record does not wait for the merge").isPresent();
            inbox.done(merged, NOW);

            assertThat(inbox.claim(merge, NOW)).as("another sender's older message does not hold it").map(Hl7v2Inbox.Entry::controlId)
                    .contains("C-10569");
            assertThat(inbox.claim(otherSender, NOW)).isPresent();
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aControlIdIsStoredOncePerSender(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            Hl7v2Inbox inbox = new Hl7v2Inbox(database, Duration.ofMinutes(5));
            store(database, inbox, message("LEGACY^CLINIC-A", "C-10565", "Patient/v2-a"));

            Optional<Long> again = database.inTransaction(connection -> inbox.store(connection, message("LEGACY^CLINIC-A", "C-10565",
                    "Patient/v2-a")));
            Optional<Long> otherSender = database.inTransaction(connection -> inbox.store(connection, message("LEGACY^CLINIC-B",
                    "C-10565", "Patient/v2-a")));

            assertThat(again).isEmpty();
            assertThat(otherSender).isPresent();
        }
    }
}
