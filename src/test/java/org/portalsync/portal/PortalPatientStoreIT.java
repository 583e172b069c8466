package org.portalsync.portal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

import org.portalsync.authority.PatientProvenance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PortalPatientStoreIT {

    private static final Instant NOW = Instant.parse("2026-03-08T07:30:00Z");

    static List<String> databases() {
        return TestDatabases.kinds();
    }

    static PortalPatient patient(String id, String family, boolean archived) {
        return new PortalPatient("ehr", id, "1", NOW, "MRN-" + id,
                new PersonName("Dr.", "Ana Maria", family, "Jr."), new PersonName(null, "Annie", null, null),
                LocalDate.of(1980, 2, 29), "female", "es", archived, false, null,
                List.of(new ContactPoint("+16175550142", "mobile", 1), new ContactPoint("+16175550100", "home", null)),
                List.of(new ContactPoint("ana@example.org", "home", null)),
                List.of(new PostalAddress("home", List.of("12 Elm St", "Apt 4"), "Boston", "MA", "02118", "US",
                        LocalDate.of(2020, 1, 1), null)),
                List.of(new EmergencyContact("N", new PersonName(null, "Luis", family, null), "+16175550199", null)));
    }

    @ParameterizedTest
    @MethodSource("databases")
    void readsBackExactlyWhatItWrote(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalPatientStore store = new PortalPatientStore(ZoneId.of("America/New_York"));
            PortalPatient written = patient("42", "Garcia", false);
            database.inTransaction(connection -> store.insert(connection, written, PatientProvenance.empty(), NOW));

            PortalPatient read = database.inTransaction(connection -> store.find(connection, "ehr", "42")).orElseThrow().patient();

            assertThat(read).isEqualTo(written);
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void newPatientsInsertedTogetherEachGetTheirOwnIdAndChildRows(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalPatientStore store = new PortalPatientStore(ZoneId.of("America/New_York"));
            List<PortalPatient> written = List.of(patient("31", "Garcia", false), patient("32", "Lopez", true), patient("33", "Okafor", false));
            List<Long> ids = database.inTransaction(connection -> {
                try (StatementBatches writes = new StatementBatches(connection)) {
                    List<Long> inserted = store.insertAll(writes,
                            written.stream().map(p -> new PortalPatientStore.NewPatient(p, PatientProvenance.empty())).toList(), NOW);
                    writes.flush();
                    return inserted;
                }
            });

            assertThat(ids).doesNotHaveDuplicates().hasSize(3);
            for (int i = 0; i < written.size(); i++) {
                String sourceId = written.get(i).sourceId();
                PortalPatientStore.StoredPatient read = database.inTransaction(connection -> store.find(connection, "ehr", sourceId)).orElseThrow();
                assertThat(read.id()).isEqualTo(ids.get(i));
                assertThat(read.patient()).isEqualTo(written.get(i));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void aPatientInsertedTwiceIsRefusedAsADuplicateKey(String kind) {
        // what a delivery racing another for the same new patient relies on to retry as an update
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalPatientStore store = new PortalPatientStore(ZoneId.of("UTC"));
            database.inTransaction(connection -> store.insert(connection, patient("44", "Garcia", false), PatientProvenance.empty(), NOW));

            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> database.inTransaction(connection ->
                    store.insert(connection, patient("44", "Lopez", false), PatientProvenance.empty(), NOW)));

            assertThat(refused).isNotNull();
            assertThat(DuplicateKey.isCause(refused)).as("%s", refused).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("databases")
    void updateReplacesChildRowsAndDeceasedAndArchiveKeepsData(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalPatientStore store = new PortalPatientStore(ZoneId.of("UTC"));
            long id = database.inTransaction(connection -> store.insert(connection, patient("7", "Garcia", false), PatientProvenance.empty(), NOW));
            PortalPatient changed = new PortalPatient("ehr", "7", "2", NOW.plusSeconds(60), "MRN-7",
                    new PersonName(null, "Ana", "Lopez", null), null, null, null, null, false, true, NOW.minusSeconds(86_400),
                    List.of(), List.of(new ContactPoint("ana@example.com", null, null)), List.of(), List.of());
            PortalPatient before = database.inTransaction(connection -> store.find(connection, "ehr", "7")).orElseThrow().patient();
            database.inTransaction(connection -> {
                store.update(connection, id, before, changed, PatientProvenance.empty(), NOW.plusSeconds(60));
                return null;
            });
            assertThat(database.inTransaction(connection -> store.find(connection, "ehr", "7")).orElseThrow().patient()).isEqualTo(changed);

            database.inTransaction(connection -> {
                store.archive(connection, id, "3", NOW.plusSeconds(120), NOW.plusSeconds(120));
                return null;
            });
            PortalPatient archived = database.inTransaction(connection -> store.find(connection, "ehr", "7")).orElseThrow().patient();
            assertThat(archived.archived()).isTrue();
            assertThat(archived.legalName()).isEqualTo(changed.legalName());
            assertThat(archived.sourceVersion()).isEqualTo("3");
        }
    }

    /**
     * PostgreSQL gives every row version the id of the transaction that wrote it ({@code xmin}): a
     * row that was deleted and inserted again gets a new one, a row left alone keeps its own.
     */
    @org.junit.jupiter.api.Test
    void anUpdateRewritesOnlyTheChildRowsThatChanged() throws Exception {
        try (PortalDatabase database = TestDatabases.fresh("postgresql")) {
            PortalPatientStore store = new PortalPatientStore(ZoneId.of("UTC"));
            PortalPatient original = patient("8", "Garcia", false);
            long id = database.inTransaction(connection -> store.insert(connection, original, PatientProvenance.empty(), NOW));
            java.util.Map<String, String> before = childRowVersions(database, id);

            PortalPatient newSecondPhone = new PortalPatient("ehr", "8", "2", NOW.plusSeconds(60), original.mrn(), original.legalName(),
                    original.preferredName(), original.birthDate(), original.gender(), original.preferredLanguage(), false, false, null,
                    List.of(original.phones().get(0), new ContactPoint("+16175550111", "home", null)), original.emails(),
                    original.addresses(), original.emergencyContacts());
            database.inTransaction(connection -> {
                store.update(connection, id, store.find(connection, "ehr", "8").orElseThrow().patient(), newSecondPhone, PatientProvenance.empty(), NOW.plusSeconds(60));
                return null;
            });
            java.util.Map<String, String> after = childRowVersions(database, id);

            assertThat(database.inTransaction(connection -> store.find(connection, "ehr", "8")).orElseThrow().patient()).isEqualTo(newSecondPhone);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            assertThat(after.get("telecom phone 1")).as("the changed phone was rewritten").isNotEqualTo(before.get("telecom phone 1"));
            java.util.Map<String, String> untouchedBefore = new java.util.TreeMap<>(before);
            java.util.Map<String, String> untouchedAfter = new java.util.TreeMap<>(after);
            untouchedBefore.remove("telecom phone 1");
            untouchedAfter.remove("telecom phone 1");
            assertThat(untouchedAfter).as("rows that did not change keep their row version").isEqualTo(untouchedBefore);
        }
    }

    private static java.util.Map<String, String> childRowVersions(PortalDatabase database, long id) {
        return database.inTransaction(connection -> {
            java.util.Map<String, String> versions = new java.util.TreeMap<>();
            try (var statement = connection.prepareStatement(
                    "SELECT 'telecom ' || system || ' ' || position, xmin::text FROM portal_patient_telecom WHERE patient_id = ?"
                            + " UNION ALL SELECT 'address ' || position, xmin::text FROM portal_patient_address WHERE patient_id = ?"
                            + " UNION ALL SELECT 'contact ' || position, xmin::text FROM portal_patient_contact WHERE patient_id = ?")) {
                statement.setLong(1, id);
                statement.setLong(2, id);
                statement.setLong(3, id);
                try (var rows = statement.executeQuery()) {
                    while (rows.next()) {
                        versions.put(rows.getString(1), rows.getString(2));
                    }
                }
            }
            return versions;
        });
    }

    @ParameterizedTest
    @MethodSource("databases")
    void keepsTheDisplayNameOfAPatientNamedOnlyInText(String kind) {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            PortalPatientStore store = new PortalPatientStore(ZoneId.of("Asia/Shanghai"));
            PortalPatient textOnly = new PortalPatient("ehr", "ch-1", "1", NOW, "3112219680806371X", null, null,
                    LocalDate.of(1974, 12, 25), "male", null, false, false, null, List.of(), List.of(), List.of(), List.of(), "张无忌");
            long id = database.inTransaction(connection -> store.insert(connection, textOnly, PatientProvenance.empty(), NOW));
            assertThat(database.inTransaction(connection -> store.find(connection, "ehr", "ch-1")).orElseThrow().patient())
                    .isEqualTo(textOnly);

            PortalPatient renamed = new PortalPatient("ehr", "ch-1", "2", NOW.plusSeconds(60), "3112219680806371X",
                    new PersonName(null, "Wuji", "Zhang", null), null, LocalDate.of(1974, 12, 25), "male", null, false, false, null,
                    List.of(), List.of(), List.of(), List.of(), "張無忌");
            database.inTransaction(connection -> {
                store.update(connection, id, store.find(connection, "ehr", "ch-1").orElseThrow().patient(), renamed, PatientProvenance.empty(), NOW.plusSeconds(60));
                return null;
            });
            assertThat(database.inTransaction(connection -> store.find(connection, "ehr", "ch-1")).orElseThrow().patient())
                    .isEqualTo(renamed);
        }
    }
}
