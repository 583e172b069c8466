package org.portalsync.bootstrap;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.camel.main.Main;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.Setting;
import org.portalsync.config.UnknownSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the engine: Camel Main with the routes in {@code routes/*.yaml} and the settings in
 * {@code config/application.properties}, both in the engine's home ({@link PortalSyncHome});
 * environment variables and system properties override the file. With {@code --dry-run} it runs one
 * read-only poll, writes the report and exits.
 */
public final class PortalSyncMain {

    /** The settings file, relative to the home. */
    public static final String CONFIG_FILE = "config/application.properties";
    /** The route files, relative to the home. */
    public static final String ROUTES = "file:routes/*.yaml";
    /** The trigger a dry run (and a test) uses instead of the schedule: one synchronous poll per request. */
    public static final String POLL_ON_REQUEST = "direct:fhir-patient-poll-now";
    /** The insurance poll's trigger when polls run on request (runOnce, tests). */
    public static final String INSURANCE_POLL_ON_REQUEST = "direct:fhir-coverage-poll-now";
    /** The appointment poll's trigger when polls run on request (tests). */
    public static final String APPOINTMENT_POLL_ON_REQUEST = "direct:fhir-appointment-poll-now";

    private static final Logger LOG = LoggerFactory.getLogger(PortalSyncMain.class);

    private PortalSyncMain() {
    }

    public static void main(String[] args) {
        List<String> arguments = Arrays.asList(args);
        boolean dryRun = arguments.contains("--dry-run");
        try {
            if (dryRun) {
                System.out.println(runOnce(Map.of(PortalSyncSettings.DRY_RUN, "true")));
            } else {
                create(Map.of()).run();
            }
        } catch (Exception e) {
            System.err.println("portal-sync cannot start: " + rootMessage(e));
            System.exit(1);
        }
    }

    /**
     * A configured, not yet started engine.
     *
     * @param overrides settings that win over the file and the environment (tests, command-line flags)
     * @throws org.portalsync.config.ConfigurationException when the home holds no settings file
     */
    public static Main create(Map<String, String> overrides) {
        PortalSyncHome home = PortalSyncHome.locate(overrides, System.getProperties(), System.getenv(),
                PortalSyncHome.codeLocation(), Path.of("").toAbsolutePath());
        Path configFile = home.configFile();
        LOG.info("portal-sync home: {} ({})", home.folder(), home.chosenBy());
        LOG.info("JVM: {}", JvmSummary.describe());
        Main main = new Main();
        main.setAppName("portal-sync");
        main.setPropertyPlaceholderLocations("file:" + configFile);
        main.configure().withRoutesIncludePattern(home.routesPattern());
        main.configure().withName("portal-sync");
        // Camel's start-up summary prints every placeholder value and masks only keys named like
        // secrets; an endpoint URI with a password in it (portal-sync.welcome.endpoint) would be logged
        main.configure().setAutoConfigurationLogSummary(false);
        // a misspelt key would otherwise be ignored and its default used, without a word
        main.configure().addConfiguration(new PortalSyncBeans(configFile.toString(), UnknownSettings.collect(
                configFile, overrides, System.getenv(), System.getProperties())));
        // defaults are the weakest source, so that routes' {{placeholders}} resolve without the file
        for (Setting setting : PortalSyncSettings.KEYS) {
            if (setting.defaultValue() != null) {
                main.addInitialProperty(setting.key(), setting.defaultValue());
            }
        }
        overrides.forEach(main::addOverrideProperty);
        // relative paths in the settings and routes ({{portal-sync.home}}/config/...) resolve against it
        main.addOverrideProperty(PortalSyncSettings.HOME, home.folder().toString());
        return main;
    }

    /**
     * Starts the engine, runs one poll of patients and then (unless it is off) one of insurance to the end,
     * stops, and returns the polls' summary lines.
     */
    public static String runOnce(Map<String, String> overrides) throws Exception {
        Map<String, String> settings = new java.util.HashMap<>(overrides);
        settings.put(PortalSyncSettings.FHIR_POLL_TRIGGER, POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.INSURANCE_POLL_TRIGGER, INSURANCE_POLL_ON_REQUEST);
        settings.put(PortalSyncSettings.APPOINTMENTS_POLL_TRIGGER, APPOINTMENT_POLL_ON_REQUEST);
        Main main = create(settings);
        main.start();
        try {
            String patients = main.getCamelTemplate().requestBody(POLL_ON_REQUEST, null, String.class);
            if (!"Started".equals(String.valueOf(main.getCamelContext().getRouteController().getRouteStatus("fhir-coverage-poll")))) {
                return patients;
            }
            return patients + System.lineSeparator() + main.getCamelTemplate().requestBody(INSURANCE_POLL_ON_REQUEST, null, String.class);
        } finally {
            main.stop();
        }
    }

    static String rootMessage(Throwable error) {
        StringBuilder message = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append("\n  caused by: ").append(cause.getMessage());
            }
        }
        return message.toString();
    }
}
