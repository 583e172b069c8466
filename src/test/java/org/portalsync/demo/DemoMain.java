package org.portalsync.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.camel.main.Main;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.bootstrap.PortalSyncMain;
import org.portalsync.console.PasswordHash;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxAppointmentGenerator;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./mvnw -Pdemo}: a sandbox EHR with 500 patients (their insurance, and appointments of 100), the
 * engine syncing it into an embedded H2 portal database, and a simulated front desk that edits a few
 * patients every 20 s so that each poll has something to carry over. The engine serves the operator
 * console, with a demo-only operator and one patient's dead letter to replay. Runs until Ctrl-C.
 */
public final class DemoMain {

    private static final Logger LOG = LoggerFactory.getLogger("portal-sync.demo");
    private static final Path DATABASE = Path.of("data", "demo");
    private static final String DEMO_USER = "demo";

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

        // the engine reaches the EHR through a fault proxy, so that the demo can show a real failure and its replay
        FaultInjectingProxy proxy = new FaultInjectingProxy(ehr.fhirBaseUrl());
        String ehrOrigin = ehr.fhirBaseUrl().replace("/fhir", "");
        Map<String, String> settings = new HashMap<>();
        settings.put(PortalSyncSettings.FHIR_BASE_URL, proxy.baseUrl() + "/fhir");
        settings.put(PortalSyncSettings.AUTH_TOKEN_URL, ehr.tokenUrl().replace(ehrOrigin, proxy.baseUrl()));
        settings.put(PortalSyncSettings.AUTH_CLIENT_ID, ehr.clientId());
        // the sandbox's own throw-away secret; a real one comes from the environment
        settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, ehr.clientSecret());
        settings.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, SandboxPatientGenerator.MRN_SYSTEM);
        settings.put(PortalSyncSettings.FHIR_POLL_INTERVAL, "15s");
        // the sandbox practice's times are New York's (SandboxAppointmentGenerator.ZONE)
        settings.put(PortalSyncSettings.FHIR_ZONE, SandboxAppointmentGenerator.ZONE.getId());
        settings.put(PortalSyncSettings.DB_URL, "jdbc:h2:file:./" + DATABASE.resolve("portal") + ";AUTO_SERVER=TRUE");
        // the operator console, with an operator account made for this demo only (never in shipped config)
        String password = demoPassword();
        Path users = DATABASE.resolve("console-users.properties").toAbsolutePath();
        Files.createDirectories(DATABASE);
        Files.writeString(users, DEMO_USER + " = operator " + PasswordHash.hash(password.toCharArray()) + "\n");
        settings.put(PortalSyncSettings.CONSOLE_ENABLED, "true");
        settings.put(PortalSyncSettings.CONSOLE_USERS_FILE, users.toString());
        // the demo's dead letter waits for the newcomer's replay instead of re-syncing on its own
        settings.put(PortalSyncSettings.RESYNC_INTERVAL, "1h");
        // the usual three retries, 1 s, 2 s and 4 s apart rather than 1 s, 5 s and 25 s, so it is there within seconds
        settings.put(PortalSyncSettings.RETRY_BACKOFF, "2");
        Main engine = PortalSyncMain.create(settings);
        LOG.info("Portal database: {} (H2; open it with any JDBC tool, user sa, no password)", DATABASE.resolve("portal.mv.db"));
        Thread deadLetter = new Thread(() -> seedDeadLetter(engine, proxy, ids, password), "demo-dead-letter");
        deadLetter.setDaemon(true);
        deadLetter.start();
        try {
            engine.run();
        } finally {
            frontDesk.shutdownNow();
            proxy.close();
            ehr.close();
            System.exit(0);
        }
    }

    /**
     * As soon as the engine's API listens: the console's address and the demo login. Then, once the first poll has
     * brought patients into the portal, the EHR fails every read of one of them for a moment, so a refresh of it ends
     * in a real dead letter (EHR 5xx, after the usual retries) and its status pending. The EHR then answers again,
     * and the console's Replay turns it green.
     */
    private static void seedDeadLetter(Main engine, FaultInjectingProxy proxy, List<String> ids, String password) {
        try {
            while (engine.getCamelContext() == null || !engine.getCamelContext().isStarted()) {
                Thread.sleep(200);
            }
            int port = engine.getCamelContext().getPropertiesComponent().resolveProperty(PortalSyncSettings.API_PORT).map(Integer::parseInt)
                    .orElse(8088);
            LOG.info("""

                    Operator console: http://127.0.0.1:{}/console
                      sign in as '{}' with password '{}' (an operator made for this demo only)
                      One patient gets a dead letter to replay in a few seconds: it is named here once it has.
                    """, port, DEMO_USER, password);
            DataSource portal = engine.getCamelContext().getRegistry().lookupByNameAndType("portalDataSource", DataSource.class);
            String patientId = firstSyncedPatient(portal, ids);
            while (patientId == null) {
                Thread.sleep(500);
                patientId = firstSyncedPatient(portal, ids);
            }
            proxy.failEvery(500, "Patient/" + patientId);
            engine.getCamelTemplate().requestBody("direct:fhir-patient-refresh", patientId);
            proxy.stopFailing();
            LOG.info("""

                    Patient/{} has a dead letter: the EHR failed its read (HTTP 500) and answers again now.
                      In the console (http://127.0.0.1:{}/console), open "Dead letters" (or find the patient under
                      "Patients") and press Replay.
                    """, patientId, port);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Demo: no dead letter to replay was set up: {}", e.toString());
        }
    }

    private static String firstSyncedPatient(DataSource portal, List<String> ids) throws java.sql.SQLException {
        try (java.sql.Connection connection = portal.getConnection(); java.sql.PreparedStatement select = connection.prepareStatement(
                "SELECT source_id FROM portal_patient WHERE source_id = ?")) {
            for (String id : ids.subList(0, Math.min(50, ids.size()))) {
                select.setString(1, id);
                try (java.sql.ResultSet row = select.executeQuery()) {
                    if (row.next()) {
                        return id;
                    }
                }
            }
            return null;
        }
    }

    /** A fresh password at each start: 18 characters from SecureRandom. */
    private static String demoPassword() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
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
