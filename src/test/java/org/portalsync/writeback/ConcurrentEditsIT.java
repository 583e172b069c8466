package org.portalsync.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sync.TestEngine;

/**
 * Both sides edit the same patients at once: portal threads submit email changes (portal owns them) and
 * phone changes (last write wins) and hand each to the engine at once, as API requests on several
 * instances would; front-desk threads edit phones and addresses at the real sandbox EHR (with If-Match,
 * as an EHR's own screens do); polls run all the while. Afterwards every field holds what the rules say,
 * computed from what the threads did, not read back from the engine; the EHR holds the same; every
 * version conflict was resolved by a re-merge; and every accepted change ended DONE or SUPERSEDED.
 */
class ConcurrentEditsIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final int PATIENTS = 5;
    private static final int PORTAL_THREADS = 3;
    private static final int CHANGES_PER_THREAD = 8;
    private static final int STAFF_THREADS = 2;
    private static final int EDITS_PER_STAFF = 8;

    /** One edit by either side, as the side made it. */
    private record Edit(String patient, String field, String value, Instant at) {
    }

    @Test
    void everyFieldEndsAsTheRulesSayAndNoAcceptedChangeIsLost() throws Exception {
        long seed = 9711;
        List<String> ids = EHR.seedPatients(PATIENTS, seed);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WRITE_BACK_ENABLED, "true");
        settings.put(PortalSyncSettings.AUTH_SCOPE, "system/Patient.read system/Patient.write system/Coverage.read system/Coverage.write");
        settings.put(PortalSyncSettings.WRITE_BACK_INTERVAL, "1h");
        settings.put(PortalSyncSettings.WRITE_BACK_MAX_CONFLICT_RETRIES, "20");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            List<Edit> portalEdits = Collections.synchronizedList(new ArrayList<>());
            List<Edit> staffEdits = Collections.synchronizedList(new ArrayList<>());
            List<Long> changeIds = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean editing = new AtomicBoolean(true);
            ExecutorService pool = Executors.newFixedThreadPool(PORTAL_THREADS + STAFF_THREADS + 1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < PORTAL_THREADS; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    Random random = new Random(seed * 31 + thread);
                    for (int n = 0; n < CHANGES_PER_THREAD; n++) {
                        String patient = ids.get(random.nextInt(PATIENTS));
                        boolean email = random.nextBoolean();
                        String value = email ? "p" + thread + "-" + n + "@example.org" : String.format("+1503555%d%03d", thread + 1, n);
                        Instant at = Instant.now();
                        String json = email ? "{\"emails\":[{\"value\":\"" + value + "\",\"use\":\"home\",\"rank\":null}]}"
                                : "{\"phones\":[{\"value\":\"" + value + "\",\"use\":\"mobile\",\"rank\":null}]}";
                        long id = WriteBackIT.submit(engine, patient, "t" + thread + "-" + n, "patient", json, at);
                        portalEdits.add(new Edit(patient, email ? "emails" : "phones", value, at));
                        changeIds.add(id);
                        engine.request("direct:portal-change", id);
                    }
                    return null;
                }));
            }
            for (int t = 0; t < STAFF_THREADS; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    Random random = new Random(seed * 37 + thread);
                    for (int n = 0; n < EDITS_PER_STAFF; n++) {
                        String patient = ids.get(random.nextInt(PATIENTS));
                        boolean phone = random.nextBoolean();
                        String value = phone ? String.format("+1503556%d%03d", thread + 1, n) : "City " + thread + "-" + n;
                        Instant at = staffEdit(patient, p -> {
                            if (phone) {
                                p.getTelecom().removeIf(c -> c.getSystem() == ContactPoint.ContactPointSystem.PHONE);
                                p.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(value).setUse(ContactPoint.ContactPointUse.WORK);
                            } else {
                                p.getAddressFirstRep().setCity(value);
                            }
                        });
                        staffEdits.add(new Edit(patient, phone ? "phones" : "city", value, at));
                        Thread.sleep(random.nextInt(40));
                    }
                    return null;
                }));
            }
            Future<?> poller = pool.submit(() -> {
                while (editing.get()) {
                    engine.poll();
                }
                return null;
            });
            for (Future<?> each : work) {
                each.get();
            }
            editing.set(false);
            poller.get();
            pool.shutdown();

            // settle: what is still due (a write-back that met the EHR down, a push-back after a conflict) is taken up
            for (int round = 0; round < 5; round++) {
                engine.poll();
                List<Map<String, Object>> due = engine.rows("SELECT id FROM portal_change WHERE status IN ('PENDING', 'WRITING_BACK') ORDER BY id");
                if (due.isEmpty()) {
                    break;
                }
                for (Map<String, Object> row : due) {
                    engine.request("direct:portal-change", ((Number) row.get("id")).longValue());
                }
            }
            engine.poll();

            int submitted = PORTAL_THREADS * CHANGES_PER_THREAD;
            long versionConflicts = engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Patient.update'"
                    + " AND (result = 'failure: HTTP 409' OR result = 'failure: HTTP 412')");
            System.out.printf("Concurrent edits: %d portal changes, %d front-desk edits, %d version conflicts re-merged%n",
                    submitted, STAFF_THREADS * EDITS_PER_STAFF, versionConflicts);
            assertThat(changeIds).hasSize(submitted);
            Map<String, Long> byStatus = new HashMap<>();
            for (Map<String, Object> row : engine.rows("SELECT status, COUNT(*) AS n FROM portal_change WHERE client_id = 'portal' GROUP BY status")) {
                byStatus.put((String) row.get("status"), ((Number) row.get("n")).longValue());
            }
            assertThat(byStatus.getOrDefault("DONE", 0L) + byStatus.getOrDefault("SUPERSEDED", 0L)).as(byStatus.toString()).isEqualTo(submitted);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_change WHERE status NOT IN ('DONE', 'SUPERSEDED')")).isZero();

            for (String patient : ids) {
                Patient atEhr = EHR.adminClient().read().resource(Patient.class).withId(patient).execute();
                // emails: the portal owns them and the front desk never typed one: the latest portal change
                portalEdits.stream().filter(e -> e.patient().equals(patient) && e.field().equals("emails"))
                        .max(java.util.Comparator.comparing(Edit::at)).ifPresent(last -> {
                            assertThat(values(engine, patient, "email")).as("portal emails of " + patient).containsExactly(last.value());
                            assertThat(telecom(atEhr, ContactPoint.ContactPointSystem.EMAIL)).as("EHR emails of " + patient).containsExactly(last.value());
                        });
                // phones: last write wins, by the time each side made its change
                Edit lastPortal = portalEdits.stream().filter(e -> e.patient().equals(patient) && e.field().equals("phones"))
                        .max(java.util.Comparator.comparing(Edit::at)).orElse(null);
                Edit lastStaff = staffEdits.stream().filter(e -> e.patient().equals(patient) && e.field().equals("phones"))
                        .max(java.util.Comparator.comparing(Edit::at)).orElse(null);
                Edit winner = lastPortal == null ? lastStaff : lastStaff == null ? lastPortal
                        : lastPortal.at().isAfter(lastStaff.at()) ? lastPortal : lastStaff;
                if (winner != null) {
                    assertThat(values(engine, patient, "phone")).as("portal phones of " + patient + ": " + lastPortal + " vs " + lastStaff)
                            .containsExactly(winner.value());
                    assertThat(telecom(atEhr, ContactPoint.ContactPointSystem.PHONE)).as("EHR phones of " + patient)
                            .containsExactly(winner.value());
                }
                // addresses: only the front desk edits them; no write-back may have undone one
                staffEdits.stream().filter(e -> e.patient().equals(patient) && e.field().equals("city"))
                        .max(java.util.Comparator.comparing(Edit::at)).ifPresent(last ->
                                assertThat(atEhr.getAddressFirstRep().getCity()).as("EHR city of " + patient).isEqualTo(last.value()));
            }
        }
    }

    private static List<String> values(TestEngine engine, String patient, String system) {
        try {
            return engine.rows("SELECT t.contact_value FROM portal_patient_telecom t JOIN portal_patient p ON p.id = t.patient_id"
                    + " WHERE p.source_id = ? AND t.system = ? ORDER BY t.position", patient, system).stream()
                    .map(row -> (String) row.get("contact_value")).toList();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> telecom(Patient patient, ContactPoint.ContactPointSystem system) {
        return patient.getTelecom().stream().filter(t -> t.getSystem() == system).map(t -> t.getValue().replace(" ", "")).toList();
    }

    /** Read, edit, update with If-Match (the client sends the version it read); on a conflict, read again. @return the EHR's lastUpdated */
    private static Instant staffEdit(String id, java.util.function.Consumer<Patient> edit) {
        while (true) {
            Patient patient = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
            edit.accept(patient);
            try {
                var outcome = EHR.adminClient().update().resource(patient).execute();
                // the version this update made, not whatever is current by now
                Patient stored = EHR.adminClient().vread(Patient.class, outcome.getId().getIdPart(), outcome.getId().getVersionIdPart());
                return stored.getMeta().getLastUpdated().toInstant();
            } catch (ResourceVersionConflictException | PreconditionFailedException conflict) {
                // the engine wrote the patient meanwhile: read it again, as the front desk's screen would
            }
        }
    }
}
