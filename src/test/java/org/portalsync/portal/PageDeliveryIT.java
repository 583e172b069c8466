package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.alert.DeadLetter;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityFile;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.mapping.MapFhirPatient;
import org.portalsync.mapping.MappedPatient;
import org.portalsync.mapping.PatientMappingSettings;
import org.portalsync.portal.DeliverPortalPatient.Incoming;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityLog;
import org.portalsync.welcome.WelcomePolicy.InitialLoad;
import org.portalsync.welcome.WelcomePolicy.Minors;
import org.portalsync.welcome.WelcomeOutbox;
import org.portalsync.welcome.WelcomePolicy;

/**
 * A page delivered together (its rows read ahead, its writes batched) leaves the portal exactly as the
 * same records delivered one by one do, on H2 and on PostgreSQL: every table a delivery writes is compared
 * row by row, over pages that hold every kind of record a poll meets (new, rejected, re-read unchanged,
 * changed in its child rows, deleted at the source, older than what the portal holds, with an open dead
 * letter, with a problem already waiting for the digest), during the initial load and after it.
 */
class PageDeliveryIT {

    private static final String SOURCE = "ehr";
    private static final String FEED = "patient-poll";
    private static final Instant ROUND_ONE = Instant.parse("2026-03-08T07:30:00Z");
    private static final Instant ROUND_TWO = Instant.parse("2026-03-09T07:30:00Z");
    private static final int PATIENTS = 90;
    private static final int PAGE = 30;

    static List<String> databases() {
        return TestDatabases.kinds();
    }

    /** One portal database with the delivery that writes to it. */
    private record Portal(PortalDatabase database, DeliverPortalPatient delivery, SyncInitialLoads initialLoads, DeadLetterStore deadLetters)
            implements AutoCloseable {

        static Portal fresh(String kind) {
            PortalDatabase database = TestDatabases.fresh(kind);
            Clock clock = Clock.fixed(ROUND_ONE, ZoneOffset.UTC);
            SyncStatusStore statuses = new SyncStatusStore();
            DeadLetterStore deadLetters = new DeadLetterStore(database, statuses, Duration.ofMinutes(5), new AlertLog(Duration.ofMinutes(15)));
            SyncInitialLoads initialLoads = new SyncInitialLoads(database, clock);
            WelcomeOutbox welcomes = new WelcomeOutbox(new WelcomePolicy(InitialLoad.SKIP, 18, Minors.GUARDIAN, clock), initialLoads, FEED);
            DeliverPortalPatient delivery = new DeliverPortalPatient(database, new PortalPatientStore(ZoneId.of("America/New_York")), statuses,
                    new DataQualityLog(), new AuditTrail(database), new AuthorityRules(AuthorityFile.defaults()), deadLetters,
                    "portal_sync_service", clock, welcomes, new FieldConflictStore(), PortalValueKept.NOTHING);
            return new Portal(database, delivery, initialLoads, deadLetters);
        }

        @Override
        public void close() {
            database.close();
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aPageDeliveredTogetherWritesWhatItsRecordsWriteOneByOne(String kind) {
        SandboxPatientGenerator generator = new SandboxPatientGenerator(11017, SandboxPatientGenerator.DefectRates.PRACTICE);
        MapFhirPatient mapper = new MapFhirPatient(new PatientMappingSettings(SandboxPatientGenerator.MRN_SYSTEM, "US"),
                Clock.fixed(ROUND_ONE, ZoneOffset.UTC));
        List<Patient> firstVersions = new ArrayList<>();
        for (int i = 0; i < PATIENTS; i++) {
            Patient patient = version(generator.next(), "p" + i, 1, ROUND_ONE.minusSeconds(PATIENTS - i));
            if (i % 17 == 8) {
                patient.getName().clear(); // rejected; round two names some of them
            }
            firstVersions.add(patient);
        }
        List<MappedPatient> roundOne = firstVersions.stream().map(patient -> mapper.map(SOURCE, patient)).toList();
        long rejectedInRoundOne = roundOne.stream().filter(MappedPatient::rejected).count();
        assertThat(rejectedInRoundOne).as("nameless patients").isGreaterThanOrEqualTo(PATIENTS / 17);
        assertThat(roundOne.stream().filter(m -> !m.issues().isEmpty() && !m.rejected()).count()).as("records with problems").isGreaterThan(10);

        List<MappedPatient> roundTwo = new ArrayList<>();
        for (int i = 0; i < PATIENTS; i++) {
            Patient patient = firstVersions.get(i).copy();
            switch (i % 6) {
                case 0 -> { // re-read: the same version again
                }
                case 1 -> { // a new phone in place of the first, an email fewer
                    patient.getTelecom().removeIf(point -> point.getSystem() == ContactPointSystem.EMAIL);
                    patient.getTelecom().add(0, new org.hl7.fhir.r4.model.ContactPoint().setSystem(ContactPointSystem.PHONE)
                            .setValue("(617) 555-01" + String.format("%02d", i % 100)).setUse(org.hl7.fhir.r4.model.ContactPoint.ContactPointUse.MOBILE));
                    version(patient, patient.getIdPart(), 2, ROUND_TWO.minusSeconds(PATIENTS - i));
                }
                case 2 -> { // renamed
                    patient.getNameFirstRep().setFamily("Renamed" + i);
                    version(patient, patient.getIdPart(), 2, ROUND_TWO.minusSeconds(PATIENTS - i));
                }
                case 3 -> { // an older version than the portal's
                    patient.getNameFirstRep().setFamily("Older" + i);
                    version(patient, patient.getIdPart(), 0, ROUND_ONE.minusSeconds(10 * PATIENTS));
                }
                case 4 -> { // a new address, nothing else
                    patient.addAddress().setCity("Boston").setState("MA").setPostalCode("02118").addLine(i + " Elm St");
                    version(patient, patient.getIdPart(), 2, ROUND_TWO.minusSeconds(PATIENTS - i));
                }
                default -> { // deleted at the source: a tombstone
                }
            }
            roundTwo.add(i % 6 == 5
                    ? new MappedPatient(PortalPatient.tombstone(SOURCE, "p" + i, "3", ROUND_TWO.minusSeconds(PATIENTS - i)), List.of())
                    : mapper.map(SOURCE, patient));
        }
        for (int i = 0; i < PAGE; i++) { // patients new in round two, after the initial load: welcomed
            roundTwo.add(mapper.map(SOURCE, version(generator.next(), "n" + i, 1, ROUND_TWO.minusSeconds(PAGE - i))));
        }

        try (Portal together = Portal.fresh(kind); Portal oneByOne = Portal.fresh(kind)) {
            for (Portal portal : List.of(together, oneByOne)) {
                portal.initialLoads().begin(SOURCE, FEED);
                // records the portal already knows something about: an open dead letter, a problem waiting for the digest
                for (int i = 0; i < PATIENTS; i += 7) {
                    portal.deadLetters().store(new DeadLetter(null, ROUND_ONE.minusSeconds(3600), "patient-sync", SOURCE, "Patient/p" + i, null,
                            "java.net.SocketTimeoutException", "read timed out", AlertKind.DELIVERY_FAILURE));
                }
            }
            // one problem of round one waits for the digest already, in both
            MappedPatient withProblem = roundOne.stream().filter(m -> !m.issues().isEmpty() && !m.rejected()).findFirst().orElseThrow();
            for (Portal portal : List.of(together, oneByOne)) {
                portal.database().inTransaction(connection -> {
                    new DataQualityLog().record(connection, SOURCE, withProblem.issues().subList(0, 1), ROUND_ONE.minusSeconds(7200));
                    return null;
                });
            }

            List<SyncOutcome> outcomesTogether = new ArrayList<>(deliverInPages(together, roundOne, ROUND_ONE, true));
            List<SyncOutcome> outcomesOneByOne = new ArrayList<>(deliverInPages(oneByOne, roundOne, ROUND_ONE, false));
            assertThat(outcomesTogether.stream().filter(o -> o == SyncOutcome.CREATED).count()).isEqualTo(PATIENTS - rejectedInRoundOne);
            for (Portal portal : List.of(together, oneByOne)) {
                portal.initialLoads().complete(SOURCE, FEED);
                // records re-read unchanged in round two whose status went pending since (a failed refresh): it clears
                for (int i = 0; i < PATIENTS; i += 12) {
                    portal.deadLetters().store(new DeadLetter(null, ROUND_TWO.minusSeconds(60), "fhir-patient-refresh", SOURCE, "Patient/p" + i,
                            null, "java.net.ConnectException", "connection refused", AlertKind.EHR_DOWN));
                }
            }
            assertThat(rows(together, "patient_sync_status")).as("pending before round two")
                    .anySatisfy(row -> assertThat(row.get("PENDING_CHANGES")).isEqualTo("true"));

            outcomesTogether.addAll(deliverInPages(together, roundTwo, ROUND_TWO, true));
            outcomesOneByOne.addAll(deliverInPages(oneByOne, roundTwo, ROUND_TWO, false));

            assertThat(outcomesTogether).isEqualTo(outcomesOneByOne);
            assertThat(outcomesTogether).contains(SyncOutcome.CREATED, SyncOutcome.REJECTED, SyncOutcome.UNCHANGED, SyncOutcome.UPDATED,
                    SyncOutcome.STALE, SyncOutcome.ARCHIVED);
            for (String table : List.of("portal_patient", "portal_patient_telecom", "portal_patient_address", "portal_patient_contact",
                    "patient_sync_status", "data_quality_issue", "audit_event", "welcome_outbox", "dead_letter", "portal_field_conflict")) {
                // an audit row's id only numbers the rows: a page writes its new patients (one statement) after the rest
                String numbering = table.equals("audit_event") ? "ID" : null;
                assertThat(rows(together, table, numbering)).as(table).isEqualTo(rows(oneByOne, table, numbering));
            }
            assertThat(rows(together, "welcome_outbox")).as("patients new after the initial load are welcomed").isNotEmpty();
            assertThat(rows(together, "dead_letter")).as("every open dead letter of a delivered record is resolved")
                    .allSatisfy(row -> assertThat(row.get("STATUS")).isEqualTo("RESOLVED"));
            assertThat(rows(together, "patient_sync_status")).as("no status pending after round two, rejected records' aside")
                    .filteredOn(row -> row.get("LAST_ERROR") == null || !row.get("LAST_ERROR").startsWith("Patient.name"))
                    .allSatisfy(row -> assertThat(row.get("PENDING_CHANGES")).isEqualTo("false"));
        }
    }

    /** Round two's records are in a different order from round one's; pages of {@link #PAGE}, each in one transaction. */
    private static List<SyncOutcome> deliverInPages(Portal portal, List<MappedPatient> records, Instant now, boolean together) {
        List<SyncOutcome> outcomes = new ArrayList<>();
        for (int start = 0; start < records.size(); start += PAGE) {
            List<MappedPatient> page = records.subList(start, Math.min(records.size(), start + PAGE));
            outcomes.addAll(portal.database().inTransaction(connection -> {
                if (together) {
                    return portal.delivery().deliverAll(connection, SOURCE, page.stream().map(m -> new Incoming(reference(m), m)).toList(), now);
                }
                List<SyncOutcome> each = new ArrayList<>();
                for (MappedPatient mapped : page) {
                    each.add(portal.delivery().deliver(connection, SOURCE, reference(mapped), mapped, now));
                }
                return each;
            }));
        }
        return outcomes;
    }

    private static String reference(MappedPatient mapped) {
        return mapped.patient() != null ? "Patient/" + mapped.patient().sourceId()
                : mapped.issues().get(0).record();
    }

    private static Patient version(Patient patient, String id, int version, Instant lastUpdated) {
        patient.setId(id);
        patient.getMeta().setVersionId(Integer.toString(version)).setLastUpdated(Date.from(lastUpdated));
        return patient;
    }

    /** Every row of a table in key order, each column by name (upper case), as text. */
    private static List<Map<String, String>> rows(Portal portal, String table) {
        return rows(portal, table, null);
    }

    /** As {@link #rows(Portal, String)}, without one column (null: none), sorted by the rest. */
    private static List<Map<String, String>> rows(Portal portal, String table, String without) {
        return portal.database().inTransaction(connection -> {
            List<Map<String, String>> rows = new ArrayList<>();
            try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery("SELECT * FROM " + table)) {
                ResultSetMetaData meta = result.getMetaData();
                while (result.next()) {
                    Map<String, String> row = new LinkedHashMap<>();
                    for (int column = 1; column <= meta.getColumnCount(); column++) {
                        Object value = result.getObject(column);
                        String name = meta.getColumnLabel(column).toUpperCase(java.util.Locale.ROOT);
                        if (!name.equals(without)) {
                            row.put(name, value == null ? null : value.toString());
                        }
                    }
                    rows.add(row);
                }
            }
            rows.sort(java.util.Comparator.comparing(Object::toString));
            return rows;
        });
    }
}
