package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;

/** The field guide's "best test": a read-only run reports what a sync would do and writes nothing. */
class DryRunIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final List<String> PORTAL_TABLES = List.of("portal_patient", "portal_patient_telecom", "portal_patient_address",
            "portal_patient_contact", "patient_sync_status", "sync_high_water_mark", "data_quality_issue", "dead_letter", "alert",
            "welcome_outbox", "sync_initial_load");

    @Test
    void reportsNewChangedArchivedAndRejectedWithoutWritingAnything() throws Exception {
        long seed = 4242;
        List<String> ids = EHR.seedPatients(60, seed);
        Map<String, String> settings = TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed);
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
        }
        List<String> synced;
        Map<String, List<Map<String, Object>>> before;
        Map<String, String> dryRun = new HashMap<>(settings);
        dryRun.put(PortalSyncSettings.DRY_RUN, "true");
        dryRun.put(PortalSyncSettings.DRY_RUN_REPORT_DIR, "target/dry-run-" + System.nanoTime());
        try (TestEngine engine = TestEngine.start(dryRun)) {
            synced = engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").stream()
                    .map(row -> (String) row.get("source_id")).toList();
            String changedId = synced.get(0);
            Patient changed = EHR.adminClient().read().resource(Patient.class).withId(changedId).execute();
            changed.getNameFirstRep().setFamily("Renamed");
            EHR.adminClient().update().resource(changed).execute();
            EHR.adminClient().delete().resourceById("Patient", synced.get(1)).execute();
            List<String> added = EHR.seedPatients(1, seed);
            before = snapshot(engine);
            long auditRowsBefore = engine.count("SELECT COUNT(*) FROM audit_event");

            String summary = engine.poll();

            assertThat(snapshot(engine)).as("portal tables after a dry run").isEqualTo(before);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event")).as("EHR requests are still audited").isGreaterThan(auditRowsBefore);
            assertThat(summary).startsWith("Dry run: ").contains("1 new, 1 updated, 1 archived");
            Path report = Path.of(summary.substring(summary.indexOf("report: ") + "report: ".length()));
            String text = Files.readString(report);
            assertThat(text).contains("nothing was written")
                    .contains("== New patients (1)").contains("Patient/" + added.get(0))
                    .contains("== Changed patients").contains("Patient/" + changedId).contains("-> PersonName[")
                    .contains("Renamed")
                    .contains("== Archived patients (1)").contains("Patient/" + synced.get(1));
            assertThat(ids).contains(changedId);
        }
    }

    @Test
    void aDryRunNeitherStartsTheWelcomeRouteNorWritesTheOutboxEvenWithWelcomesEnabled() throws Exception {
        long seed = 4243;
        EHR.seedPatients(10, seed);
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Map<String, String> settings = TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed);
        Map<String, String> dryRun = new HashMap<>(settings);
        dryRun.put(PortalSyncSettings.DRY_RUN, "true");
        dryRun.put(PortalSyncSettings.DRY_RUN_REPORT_DIR, "target/dry-run-" + System.nanoTime());
        dryRun.put(PortalSyncSettings.WELCOME_ENABLED, "true");
        dryRun.put(PortalSyncSettings.WELCOME_INTERVAL, "100");
        dryRun.put(PortalSyncSettings.WELCOME_ENDPOINT, "smtp://127.0.0.1:" + smtp.getSmtp().getPort());
        try {
            // before any real run: the dry run does not begin the initial load either
            try (TestEngine engine = TestEngine.start(dryRun)) {
                assertThat(engine.routeStatus("patient-welcome")).isEqualTo("Stopped");
                Map<String, List<Map<String, Object>>> before = snapshot(engine);
                assertThat(engine.poll()).startsWith("Dry run: ").containsPattern(" [1-9][0-9]* new");
                assertThat(snapshot(engine)).isEqualTo(before);
            }
            // a real run, the portal reading the outbox: after the initial load, new patients are queued
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.poll();
                EHR.seedPatients(3, seed);
                engine.poll();
                assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox WHERE processed_at IS NULL"))
                        .isEqualTo(ExpectedWelcomes.recipients(seed, 3, LocalDate.now(ZoneOffset.UTC)).size()).isPositive();
            }
            // the dry run sends none of those pending welcomes, and queues none for its own new patients
            try (TestEngine engine = TestEngine.start(dryRun)) {
                EHR.seedPatients(3, seed);
                Map<String, List<Map<String, Object>>> before = snapshot(engine);

                assertThat(engine.poll()).startsWith("Dry run: ").containsPattern(" [1-9][0-9]* new");
                Thread.sleep(1_000);

                assertThat(engine.routeStatus("patient-welcome")).isEqualTo("Stopped");
                assertThat(snapshot(engine)).isEqualTo(before);
                assertThat(smtp.getReceivedMessages()).isEmpty();
            }
        } finally {
            smtp.stop();
        }
    }

    private static Map<String, List<Map<String, Object>>> snapshot(TestEngine engine) throws Exception {
        Map<String, List<Map<String, Object>>> tables = new LinkedHashMap<>();
        for (String table : PORTAL_TABLES) {
            tables.put(table, engine.rows("SELECT * FROM " + table + " ORDER BY 1"));
        }
        return tables;
    }
}
