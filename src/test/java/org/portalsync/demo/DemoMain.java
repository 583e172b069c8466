package org.portalsync.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.camel.main.Main;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.bootstrap.PortalSyncMain;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxAppointmentGenerator;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./mvnw -Pdemo}: a sandbox EHR with 500 patients (their insurance, and appointments of 100), the
 * engine syncing it into an embedded H2 portal database, and a simulated front desk that edits a few
 * patients every 20 s so that each poll has something to carry over. Runs until Ctrl-C.
 */
public final class DemoMain {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.demo");
    private static final Path DATABASE = Path.of("data", "demo");

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        int patients = Integer.getInteger("demo.patients", 500);
        wipe(DATABASE);
        SandboxEhr ehr = SandboxEhr.start(Integer.getInteger("demo.ehr-port", 0));
        List<String> ids = ehr.seedPatients(patients, 2026);
        // most patients have an insurance policy; some have none
        int insured = ehr.seedCoverages(ids.subList(0, ids.size() * 7 / 10), 2026).size();
        // a hundred patients have an appointment, with the generator's known bad and special ones besides
        int appointments = ehr.seedAppointments(ids.subList(0, Math.min(100, ids.size())), 2026).appointments().size();
        LOG.info("Sandbox EHR at {} (token endpoint {}) holds {} patients, {} insurance policies and {} appointments", ehr.fhirBaseUrl(),
                ehr.tokenUrl(), ids.size(), insured, appointments);

        ScheduledExecutorService frontDesk = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sandbox-front-desk");
            thread.setDaemon(true);
            return thread;
        });
        Random random = new Random(7);
        frontDesk.scheduleWithFixedDelay(() -> editSomePatients(ehr, ids, random), 20, 20, TimeUnit.SECONDS);

        Map<String, String> settings = new HashMap<>();
        settings.put(PortalSyncSettings.FHIR_BASE_URL, ehr.fhirBaseUrl());
        settings.put(PortalSyncSettings.AUTH_TOKEN_URL, ehr.tokenUrl());
        settings.put(PortalSyncSettings.AUTH_CLIENT_ID, ehr.clientId());
        // the sandbox's own throw-away secret; a real one comes from the environment
        settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, ehr.clientSecret());
        settings.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, SandboxPatientGenerator.MRN_SYSTEM);
        settings.put(PortalSyncSettings.FHIR_POLL_INTERVAL, "15s");
        // the sandbox practice's times are New York's (SandboxAppointmentGenerator.ZONE)
        settings.put(PortalSyncSettings.FHIR_ZONE, SandboxAppointmentGenerator.ZONE.getId());
        settings.put(PortalSyncSettings.DB_URL, "jdbc:h2:file:./" + DATABASE.resolve("portal") + ";AUTO_SERVER=TRUE");
        Main engine = PortalSyncMain.create(settings);
        LOG.info("Portal database: {} (H2; open it with any JDBC tool, user sa, no password)", DATABASE.resolve("portal.mv.db"));
        try {
            engine.run();
        } finally {
            frontDesk.shutdownNow();
            ehr.close();
            System.exit(0);
        }
    }

    /** What a front desk does all day: fix a phone number here, a family name there. */
    private static void editSomePatients(SandboxEhr ehr, List<String> ids, Random random) {
        try {
            for (int i = 0; i < 3; i++) {
                String id = ids.get(random.nextInt(ids.size()));
                Patient patient = ehr.adminClient().read().resource(Patient.class).withId(id).execute();
                String number = String.format("+1 617 555 %04d", random.nextInt(10_000));
                patient.getTelecom().removeIf(point -> point.getSystem() == ContactPoint.ContactPointSystem.PHONE);
                patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setUse(ContactPoint.ContactPointUse.MOBILE)
                        .setValue(number).setRank(1);
                ehr.adminClient().update().resource(patient).execute();
                LOG.info("Sandbox EHR: the front desk changed the phone of Patient/{}", id);
            }
        } catch (RuntimeException e) {
            LOG.warn("Sandbox EHR: simulated edit failed: {}", e.toString());
        }
    }

    private static void wipe(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }
}
