package org.portalsync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * Portal changes reach the real sandbox EHR (HAPI FHIR JPA: its ETags and 412s are real) under the
 * authority rules. Changes enter through the outbox table, as a portal that writes {@code portal_change}
 * itself submits them; the API stores them the same way. A staff edit at the EHR between the engine's
 * read and its update is made by the proxy as the read passes it, so the update's 412 comes from HAPI.
 */
class WriteBackIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private FaultInjectingProxy proxy;

    @BeforeEach
    void startProxy() {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private TestEngine start(long seed) throws Exception {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.WRITE_BACK_ENABLED, "true");
        settings.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write system/Coverage.read system/Coverage.write");
        // the test hands each change over itself
        settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "1h");
        return TestEngine.start(settings);
    }

    static long submit(TestEngine engine, String sourceId, String key, String initiatedBy, String valuesJson, Instant submittedAt)
            throws Exception {
        long patientId = ((Number) engine.rows("SELECT id FROM portal_patient WHERE source_id = ?", sourceId).get(0).get("id")).longValue();
        try (var connection = engine.database().getConnection();
                var insert = connection.prepareStatement("INSERT INTO portal_change (client_id, change_key, request_hash, patient_id,"
                        + " initiated_by, field_values, submitted_at, status, next_attempt_at, updated_at)"
                        + " VALUES ('portal', ?, '-', ?, ?, ?, ?, 'PENDING', ?, ?)", java.sql.Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, key);
            insert.setLong(2, patientId);
            insert.setString(3, initiatedBy);
            insert.setString(4, valuesJson);
            insert.setObject(5, PortalDatabase.utc(submittedAt));
            insert.setObject(6, PortalDatabase.utc(Instant.now()));
            insert.setObject(7, PortalDatabase.utc(Instant.now()));
            insert.executeUpdate();
            try (var keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }

    /**
     * Hands a change to the write-back route and returns once no worker holds it: the sweep's first run
     * (2 s after start) may have taken it up first, and then this call returns at once.
     */
    static void handOver(TestEngine engine, long id) throws Exception {
        engine.request("direct:portal-change", id);
        for (Instant until = Instant.now().plusSeconds(30); Instant.now().isBefore(until); Thread.sleep(50)) {
            if (engine.count("SELECT COUNT(*) FROM portal_change WHERE id = ? AND claimed_until IS NOT NULL", id) == 0) {
                return;
            }
        }
        throw new AssertionError("portal_change " + id + " is still held by a worker after 30 s");
    }

    static Map<String, Object> change(TestEngine engine, long id) throws Exception {
        return engine.rows("SELECT status, ehr_version, error, patient_message, field_outcomes FROM portal_change WHERE id = ?", id).get(0);
    }

    private static Patient atEhr(String id) {
        return EHR.adminClient().read().resource(Patient.class).withId(id).execute();
    }

    private static List<String> emailsAtEhr(String id) {
        return atEhr(id).getTelecom().stream().filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.EMAIL).map(ContactPoint::getValue).toList();
    }

    private static void staffEdit(String id, java.util.function.Consumer<Patient> edit) {
        Patient patient = atEhr(id);
        edit.accept(patient);
        EHR.adminClient().update().resource(patient).execute();
    }

    private static String portalEmails(TestEngine engine, String id) throws Exception {
        return engine.rows("SELECT t.contact_value FROM portal_patient_telecom t JOIN portal_patient p ON p.id = t.patient_id"
                + " WHERE p.source_id = ? AND t.system = 'email' ORDER BY t.position", id).stream()
                .map(row -> (String) row.get("contact_value")).reduce((a, b) -> a + "," + b).orElse("");
    }

    @Test
    void aPatientsEmailChangeIsWrittenToTheEhrWithIfMatchAndHeldAgainstTheEhr() throws Exception {
        long seed = 9701;
        String id = EHR.seedPatients(2, seed).get(0);
        try (TestEngine engine = start(seed)) {
            engine.poll();
            String versionBefore = atEhr(id).getMeta().getVersionId();
            long change = submit(engine, id, "c-1", "patient", "{\"emails\":[{\"value\":\"new.address@example.org\",\"use\":\"home\",\"rank\":null}]}",
                    Instant.now());

            handOver(engine, change);

            assertThat(change(engine, change)).containsEntry("status", "DONE");
            assertThat(emailsAtEhr(id)).containsExactly("new.address@example.org");
            String versionAfter = atEhr(id).getMeta().getVersionId();
            assertThat(Integer.parseInt(versionAfter)).isEqualTo(Integer.parseInt(versionBefore) + 1);
            assertThat(change(engine, change)).containsEntry("ehr_version", versionAfter);
            assertThat(proxy.requests()).filteredOn(r -> r.method().equals("PUT"))
                    .singleElement().satisfies(put -> assertThat(put.header("If-Match")).isEqualTo("W/\"" + versionBefore + "\""));
            assertThat(portalEmails(engine, id)).isEqualTo("new.address@example.org");
            assertThat((String) engine.rows("SELECT field_provenance FROM portal_patient WHERE source_id = ?", id).get(0).get("field_provenance"))
                    .contains("\"emails\":{\"by\":\"portal\"");

            // the next poll reads our own update back: nothing to merge, nothing in conflict
            engine.poll();
            assertThat(portalEmails(engine, id)).isEqualTo("new.address@example.org");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_field_conflict")).isZero();

            // the front desk types another email into the EHR: the portal owns emails, so its value stays,
            // the conflict is kept for the front desk, and the portal's value goes back to the EHR
            staffEdit(id, p -> p.getTelecom().stream().filter(t -> t.getSystem() == ContactPoint.ContactPointSystem.EMAIL)
                    .forEach(t -> t.setValue("desk.typed@example.org")));
            String summary = engine.poll();
            assertThat(portalEmails(engine, id)).isEqualTo("new.address@example.org");
            assertThat(engine.rows("SELECT field, kept_side, discarded_side, discarded_value FROM portal_field_conflict"))
                    .as(summary).singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("field", "patient.emails").containsEntry("kept_side", "portal")
                                .containsEntry("discarded_side", "ehr");
                        assertThat((String) row.get("discarded_value")).contains("desk.typed@example.org");
                    });
            List<Map<String, Object>> pushBack = engine.rows("SELECT id, status FROM portal_change WHERE client_id = 'engine'");
            assertThat(pushBack).singleElement().satisfies(row -> assertThat(row).containsEntry("status", "WRITING_BACK"));
            handOver(engine, ((Number) pushBack.get(0).get("id")).longValue());
            assertThat(emailsAtEhr(id)).containsExactly("new.address@example.org");
        }
    }

    @Test
    void aStaffEditBetweenReadAndUpdateGets412AndTheChangeIsReMergedAndWritten() throws Exception {
        long seed = 9702;
        String id = EHR.seedPatients(2, seed).get(0);
        try (TestEngine engine = start(seed)) {
            engine.poll();
            long change = submit(engine, id, "c-2", "patient", "{\"emails\":[{\"value\":\"raced@example.org\",\"use\":\"home\",\"rank\":null}]}",
                    Instant.now());
            // as the engine's read of the patient passes, the front desk changes the address at the EHR, twice
            java.util.concurrent.atomic.AtomicInteger edits = new java.util.concurrent.atomic.AtomicInteger();
            proxy.rewriteNextBody(2, body -> {
                staffEdit(id, p -> p.getAddressFirstRep().setCity("Staffton " + edits.incrementAndGet()));
                return body;
            }, "GET", "/Patient/" + id);

            handOver(engine, change);

            assertThat(change(engine, change)).containsEntry("status", "DONE");
            // HAPI answers an If-Match mismatch 409 where FHIR says 412: both are taken as a version conflict
            assertThat(proxy.responses()).as(String.join(" | ", proxy.requests().stream().map(r -> r.method() + " " + r.pathAndQuery()).toList()) + " || " + String.join(" | ", proxy.responses().stream().map(r -> r.status() + " " + r.pathAndQuery()).toList())).filteredOn(r -> r.status() == 409 || r.status() == 412).hasSize(2);
            Patient ehr = atEhr(id);
            assertThat(emailsAtEhr(id)).containsExactly("raced@example.org");
            assertThat(ehr.getAddressFirstRep().getCity()).as("the staff's edit survives the write-back").isEqualTo("Staffton 2");
            assertThat(engine.rows("SELECT city FROM portal_patient_address a JOIN portal_patient p ON p.id = a.patient_id WHERE p.source_id = ?", id))
                    .first().satisfies(row -> assertThat(row).containsEntry("city", "Staffton 2"));
        }
    }

    @Test
    void aChangeThatMeets412EveryTimeFailsWithThePatientMessageAndAnAlert() throws Exception {
        long seed = 9703;
        String id = EHR.seedPatients(2, seed).get(0);
        try (TestEngine engine = start(seed)) {
            engine.poll();
            long change = submit(engine, id, "c-3", "patient", "{\"emails\":[{\"value\":\"never@example.org\",\"use\":\"home\",\"rank\":null}]}",
                    Instant.now());
            proxy.rewriteNextBody(4, body -> {
                staffEdit(id, p -> p.setBirthDate(new java.util.Date(p.getBirthDate().getTime() + 86_400_000L)));
                return body;
            }, "GET", "/Patient/" + id);

            handOver(engine, change);

            assertThat(change(engine, change)).containsEntry("status", "FAILED")
                    .containsEntry("patient_message", "We couldn't update your details. Please call our front desk.");
            assertThat((String) change(engine, change).get("error")).contains("version conflict each time").doesNotContain("never@example.org");
            assertThat(emailsAtEhr(id)).doesNotContain("never@example.org");
            assertThat(engine.rows("SELECT kind, message FROM alert")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("kind", "WRITE_BACK_FAILED"));
        }
    }

    @Test
    void underLastWriteWinsALaterEhrChangeSupersedesThePortalsPhone() throws Exception {
        long seed = 9704;
        String id = EHR.seedPatients(2, seed).get(0);
        try (TestEngine engine = start(seed)) {
            engine.poll();
            Instant patientChangedAt = Instant.now();
            long change = submit(engine, id, "c-4", "patient", "{\"phones\":[{\"value\":\"+15035550199\",\"use\":\"mobile\",\"rank\":null}]}",
                    patientChangedAt.minusSeconds(30));
            // the front desk changes the phone at the EHR after the patient did (the change waited in the outbox)
            staffEdit(id, p -> {
                p.getTelecom().removeIf(t -> t.getSystem() == ContactPoint.ContactPointSystem.PHONE);
                p.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue("+1 503 555 0177").setUse(ContactPoint.ContactPointUse.WORK);
            });
            engine.poll();

            handOver(engine, change);

            assertThat(change(engine, change)).containsEntry("status", "SUPERSEDED");
            assertThat((String) change(engine, change).get("patient_message")).startsWith("Our office updated the same details");
            assertThat(engine.rows("SELECT t.contact_value FROM portal_patient_telecom t JOIN portal_patient p ON p.id = t.patient_id"
                    + " WHERE p.source_id = ? AND t.system = 'phone'", id)).extracting(r -> r.get("contact_value")).containsExactly("+15035550177");
            assertThat(proxy.requests()).noneMatch(r -> r.method().equals("PUT"));
            assertThat(engine.rows("SELECT field, kept_side, discarded_side FROM portal_field_conflict")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("field", "patient.phones").containsEntry("kept_side", "ehr"));
        }
    }

    @Test
    void anOutboxRowWithAValueTheMappingRefusesFailsAndChangesNothing() throws Exception {
        long seed = 9705;
        String id = EHR.seedPatients(2, seed).get(0);
        try (TestEngine engine = start(seed)) {
            engine.poll();
            String phonesBefore = engine.rows("SELECT t.contact_value FROM portal_patient_telecom t JOIN portal_patient p ON p.id = t.patient_id"
                    + " WHERE p.source_id = ? AND t.system = 'phone' ORDER BY t.position", id).toString();
            long change = submit(engine, id, "c-5", "patient", "{\"phones\":[{\"value\":\"12\",\"use\":\"home\",\"rank\":null}]}", Instant.now());

            handOver(engine, change);

            assertThat(change(engine, change)).containsEntry("status", "FAILED")
                    .containsEntry("patient_message", "We couldn't update your details. Please call our front desk.");
            assertThat((String) change(engine, change).get("error")).contains("Patient.telecom").doesNotContain("\"12\"");
            assertThat(engine.rows("SELECT t.contact_value FROM portal_patient_telecom t JOIN portal_patient p ON p.id = t.patient_id"
                    + " WHERE p.source_id = ? AND t.system = 'phone' ORDER BY t.position", id).toString()).isEqualTo(phonesBefore);
            assertThat(proxy.requests()).noneMatch(r -> r.method().equals("PUT"));
        }
    }
}
