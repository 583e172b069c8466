package org.portalsync.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.main.Main;
import org.portalsync.bootstrap.PortalSyncMain;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.testing.FreePorts;

/**
 * The real engine (Camel Main, the route files in routes/, the real beans) against a real EHR and
 * a fresh portal database, with polls run on request instead of on a schedule.
 */
public final class TestEngine implements AutoCloseable {

    private final Main main;

    private TestEngine(Main main) {
        this.main = main;
    }

    /**
     * @param seedTag only patients with this sandbox seed tag are polled, so tests sharing the sandbox do not see each other's
     */
    public static Map<String, String> settingsFor(SandboxEhr ehr, String fhirBaseUrl, String databaseKind, long seedTag) {
        String tag = "_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "|seed-" + seedTag;
        Map<String, String> settings = settingsForServer(fhirBaseUrl, ehr.tokenUrl().replace(ehr.fhirBaseUrl().replace("/fhir", ""),
                fhirBaseUrl.replace("/fhir", "")), ehr.clientId(), ehr.clientSecret(), databaseKind, tag);
        settings.put(PortalSyncSettings.INSURANCE_COVERAGE_SEARCH, tag);
        settings.put(PortalSyncSettings.APPOINTMENTS_SEARCH, tag);
        return settings;
    }

    /**
     * Settings for an engine against any FHIR server, e.g. an independently started one for the benchmark.
     *
     * @param tokenUrl      empty for a server without OAuth2
     * @param patientSearch the patient poll's extra search parameters, or empty
     */
    public static Map<String, String> settingsForServer(String fhirBaseUrl, String tokenUrl, String clientId, String clientSecret,
            String databaseKind, String patientSearch) {
        Map<String, String> settings = new HashMap<>();
        settings.put(PortalSyncSettings.FHIR_BASE_URL, fhirBaseUrl);
        settings.put(PortalSyncSettings.FHIR_PATIENT_SEARCH, patientSearch);
        settings.put(PortalSyncSettings.AUTH_TOKEN_URL, tokenUrl);
        settings.put(PortalSyncSettings.AUTH_CLIENT_ID, clientId);
        settings.put(PortalSyncSettings.AUTH_CLIENT_SECRET, clientSecret);
        settings.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, SandboxPatientGenerator.MRN_SYSTEM);
        settings.put(PortalSyncSettings.DB_URL, TestDatabases.jdbcUrl(databaseKind));
        settings.put(PortalSyncSettings.DB_USER, TestDatabases.user(databaseKind));
        settings.put(PortalSyncSettings.FHIR_POLL_TRIGGER, PortalSyncMain.POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.INSURANCE_POLL_TRIGGER, PortalSyncMain.INSURANCE_POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.APPOINTMENTS_POLL_TRIGGER, PortalSyncMain.APPOINTMENT_POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.FHIR_POLL_OVERLAP, "1s");
        // more than one worker, so that every sync test also runs records of a page concurrently
        settings.put(PortalSyncSettings.SYNC_WORKERS, "2");
        settings.put(PortalSyncSettings.RETRY_FIRST_DELAY, "50");
        settings.put(PortalSyncSettings.RETRY_BACKOFF, "2");
        settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, "target/cluster-" + System.nanoTime());
        settings.put(PortalSyncSettings.DRY_RUN_REPORT_DIR, "target/dry-run-reports");
        settings.put(PortalSyncSettings.JOURNAL_DIR, "target/journal-" + System.nanoTime());
        settings.put(PortalSyncSettings.DB_CONNECTION_TIMEOUT, "2s");
        // tests that re-sync dead letters ask for it; others must not see it happen mid-test
        settings.put(PortalSyncSettings.RESYNC_INTERVAL, "1h");
        return settings;
    }

    /**
     * Settings for an engine whose EHR is never reached (nothing listens at its URL): for tests of the
     * engine's own API, which need no patients from an EHR.
     */
    public static Map<String, String> settingsWithoutEhr(String databaseKind) {
        Map<String, String> settings = new HashMap<>();
        settings.put(PortalSyncSettings.FHIR_BASE_URL, "http://127.0.0.1:9/fhir");
        settings.put(PortalSyncSettings.MAPPING_MRN_SYSTEM, SandboxPatientGenerator.MRN_SYSTEM);
        settings.put(PortalSyncSettings.DB_URL, TestDatabases.jdbcUrl(databaseKind));
        settings.put(PortalSyncSettings.DB_USER, TestDatabases.user(databaseKind));
        settings.put(PortalSyncSettings.FHIR_POLL_TRIGGER, PortalSyncMain.POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.INSURANCE_POLL_TRIGGER, PortalSyncMain.INSURANCE_POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.APPOINTMENTS_POLL_TRIGGER, PortalSyncMain.APPOINTMENT_POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.CLUSTER_LOCK_DIR, "target/cluster-" + System.nanoTime());
        settings.put(PortalSyncSettings.JOURNAL_DIR, "target/journal-" + System.nanoTime());
        settings.put(PortalSyncSettings.DRY_RUN_REPORT_DIR, "target/dry-run-reports");
        settings.put(PortalSyncSettings.RESYNC_INTERVAL, "1h");
        return settings;
    }

    public static TestEngine start(Map<String, String> settings) throws Exception {
        return start(settings, null);
    }

    /** As {@link #start(Map)}, with the engine running on this clock (null: the system's). */
    public static TestEngine start(Map<String, String> settings, java.time.Clock clock) throws Exception {
        Map<String, String> withFreePort = new HashMap<>(settings);
        // tests run side by side: the API takes any free port unless a test names one
        withFreePort.putIfAbsent(PortalSyncSettings.API_PORT, "0");
        // a port of its own: on port 0 too, Camel would serve it from the API's server
        withFreePort.putIfAbsent(PortalSyncSettings.MANAGEMENT_PORT, String.valueOf(FreePorts.next()));
        Main main = PortalSyncMain.create(withFreePort);
        if (clock != null) {
            main.bind(org.portalsync.bootstrap.PortalSyncBeans.CLOCK, clock);
        }
        main.start();
        return new TestEngine(main);
    }

    /** The API's base URL, e.g. {@code http://127.0.0.1:41234}, on the port the server got. */
    public String apiBaseUrl() {
        var router = org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.lookup(main.getCamelContext(),
                org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.getRouterNameFromPort(0));
        if (router == null) {
            throw new IllegalStateException("the engine serves no API (portal-sync.api.enabled=false, a dry run or a fixed port)");
        }
        var server = main.getCamelContext().hasService(org.apache.camel.component.platform.http.main.MainHttpServer.class);
        boolean tls = server != null && server.getSslContextParameters() != null;
        return (tls ? "https" : "http") + "://127.0.0.1:" + router.getServer().getPort();
    }

    /** The metrics and health server's base URL, e.g. {@code http://127.0.0.1:41235}. */
    public String managementBaseUrl() {
        var server = main.getCamelContext().hasService(org.apache.camel.component.platform.http.main.ManagementHttpServer.class);
        if (server == null) {
            throw new IllegalStateException("the engine serves no metrics or health (portal-sync.management.enabled=false or a dry run)");
        }
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Runs one poll to its end and returns its summary line. */
    public String poll() throws Exception {
        return main.getCamelTemplate().requestBody(PortalSyncMain.POLL_ON_REQUEST, null, String.class);
    }

    /** Runs one poll of insurance (FHIR Coverage) to its end and returns its summary line. */
    public String pollInsurance() throws Exception {
        return main.getCamelTemplate().requestBody(PortalSyncMain.INSURANCE_POLL_ON_REQUEST, null, String.class);
    }

    /** Runs one poll of appointments (FHIR Appointment) to its end and returns its summary line. */
    public String pollAppointments() throws Exception {
        return main.getCamelTemplate().requestBody(PortalSyncMain.APPOINTMENT_POLL_ON_REQUEST, null, String.class);
    }

    /** Sends a body to an engine endpoint and waits for the route to finish. */
    public Object request(String uri, Object body) throws Exception {
        return main.getCamelTemplate().requestBody(uri, body);
    }

    /** As {@link #request(String, Object)}, with headers. */
    public Object request(String uri, Object body, Map<String, Object> headers) throws Exception {
        return main.getCamelTemplate().requestBodyAndHeaders(uri, body, headers);
    }

    /** Stops a route, e.g. to leave work pending as a crash would. */
    public void stopRoute(String routeId) throws Exception {
        main.getCamelContext().getRouteController().stopRoute(routeId);
    }

    /** Starts a route stopped by {@link #stopRoute}. */
    public void startRoute(String routeId) throws Exception {
        main.getCamelContext().getRouteController().startRoute(routeId);
    }

    /** e.g. {@code Started} or {@code Stopped}; null for a route that does not exist. */
    public String routeStatus(String routeId) {
        var status = main.getCamelContext().getRouteController().getRouteStatus(routeId);
        return status == null ? null : status.name();
    }

    /** A bean of the engine's registry, by the name the routes use. */
    public <T> T bean(String name, Class<T> type) {
        return main.getCamelContext().getRegistry().lookupByNameAndType(name, type);
    }

    public DataSource database() {
        return main.getCamelContext().getRegistry().lookupByNameAndType("portalDataSource", DataSource.class);
    }

    public long count(String sql, Object... parameters) throws SQLException {
        return ((Number) rows(sql, parameters).get(0).values().iterator().next()).longValue();
    }

    /** Rows as column-name (lower case) to value maps. */
    public List<Map<String, Object>> rows(String sql, Object... parameters) throws SQLException {
        try (Connection connection = database().getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    Map<String, Object> row = new HashMap<>();
                    for (int c = 1; c <= result.getMetaData().getColumnCount(); c++) {
                        row.put(result.getMetaData().getColumnLabel(c).toLowerCase(java.util.Locale.ROOT), result.getObject(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /**
     * Lets the next {@link #close()} stop within a second, leaving work queued in memory behind (a test that
     * stopped a route's workers to play a crash: Camel would wait its whole shutdown timeout for them).
     */
    public void dropQueuedWorkOnClose() {
        main.getCamelContext().getShutdownStrategy().setTimeout(1);
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
