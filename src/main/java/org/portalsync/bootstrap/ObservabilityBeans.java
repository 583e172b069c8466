package org.portalsync.bootstrap;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.impl.health.DefaultHealthCheckRegistry;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.prometheus.MicrometerPrometheus;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.portalsync.audit.AuditTrail;
import org.portalsync.auth.AccessTokenSource;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.health.EhrChecks;
import org.portalsync.health.PollHistory;
import org.portalsync.health.PortalDatabaseCheck;
import org.portalsync.health.SchedulesCheck;
import org.portalsync.metrics.PortalGauges;
import org.portalsync.metrics.RecordSyncOutcome;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's metrics and health, served by Camel Main's management server on its own port
 * ({@code portal-sync.management.*}): {@code /observe/metrics} (Prometheus, camel-micrometer-prometheus)
 * and {@code /observe/health}, {@code /live}, {@code /ready} (Camel's health checks). Set up here, as the
 * API's server is, from validated settings instead of {@code camel.management.*}.
 */
final class ObservabilityBeans {

    static final String HEALTH_PATH = "/observe/health";
    /** The scheduled polls whose running the readiness check watches. */
    private static final List<String> POLL_ROUTES = List.of("fhir-patient-poll", "fhir-coverage-poll", "fhir-appointment-poll");

    private static final Logger LOG = LoggerFactory.getLogger(ObservabilityBeans.class);

    private ObservabilityBeans() {
    }

    /** The meter registry (the one camel-micrometer-prometheus serves) and the engine's own meters on it. */
    static SyncMetrics metrics(CamelContext camel, PortalDatabase database, Clock clock) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        camel.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, registry);
        SyncMetrics metrics = new SyncMetrics(registry);
        camel.getRegistry().bind(SyncMetrics.REGISTRY_NAME, metrics);
        camel.getRegistry().bind(RecordSyncOutcome.REGISTRY_NAME, new RecordSyncOutcome(metrics));
        new PortalGauges(database, clock).register(registry);
        return metrics;
    }

    /**
     * The readiness checks of the engine's own dependencies, beside Camel's (context, routes, consumers):
     * {@code portal-db}, {@code ehr-<source>}, {@code ehr-<source>-token} and {@code schedules}.
     */
    static void healthChecks(CamelContext camel, PortalSyncSettings settings, PortalDatabase database, HttpClient http,
            AccessTokenSource tokens, AuditTrail audit, PollHistory history, Clock clock) {
        HealthCheckRegistry checks = HealthCheckRegistry.get(camel);
        if (checks == null) {
            checks = new DefaultHealthCheckRegistry(camel);
            camel.getCamelContextExtension().addContextPlugin(HealthCheckRegistry.class, checks);
        }
        Duration probeInterval = settings.duration(PortalSyncSettings.HEALTH_PROBE_INTERVAL);
        String source = settings.sourceName();
        for (HealthCheck check : List.of(new PortalDatabaseCheck(database.dataSource()),
                EhrChecks.reachability(source, settings.fhirBaseUrl(), http, settings.readTimeout(), probeInterval, audit, settings.auditActor(), clock),
                EhrChecks.token(source, tokens, probeInterval, clock),
                new SchedulesCheck(POLL_ROUTES, history, settings.duration(PortalSyncSettings.FHIR_POLL_INTERVAL),
                        settings.positiveInt(PortalSyncSettings.HEALTH_MAX_MISSED_POLLS), clock))) {
            if (check instanceof CamelContextAware aware) {
                aware.setCamelContext(camel);
            }
            checks.register(check);
        }
    }

    /** @param open false in a dry run, which opens no port */
    static void serve(CamelContext camel, PortalSyncSettings settings, boolean open) throws Exception {
        if (!open || !settings.bool(PortalSyncSettings.MANAGEMENT_ENABLED)) {
            return;
        }
        ManagementHttpServer server = new ManagementHttpServer();
        server.setCamelContext(camel);
        server.setHost(settings.raw(PortalSyncSettings.MANAGEMENT_BIND_ADDRESS).strip());
        server.setPort(settings.managementPort());
        server.setPath("/");
        server.setHealthCheckEnabled(true);
        server.setHealthPath(HEALTH_PATH);
        server.setMetricsEnabled(true);
        // nothing else of Camel's management console: no route dumps, no sending messages, no uploads
        server.setInfoEnabled(false);
        server.setDevConsoleEnabled(false);
        server.setJolokiaEnabled(false);
        server.setUploadEnabled(false);
        server.setDownloadEnabled(false);
        server.setSendEnabled(false);
        camel.addService(server, true, true);

        MicrometerPrometheus prometheus = new MicrometerPrometheus();
        prometheus.setCamelContext(camel);
        // per route: exchanges, failures, time; no per-endpoint series, whose URIs could name a host with its user
        prometheus.setEnableRoutePolicy(true);
        prometheus.setEnableExchangeEventNotifier(false);
        prometheus.setEnableMessageHistory(false);
        camel.addService(prometheus, true, true);
        camel.addStartupListener((context, alreadyStarted) -> LOG.info("portal-sync metrics and health on http://{}:{}/observe/metrics, {}",
                server.getHost(), server.getPort(), HEALTH_PATH));
    }
}
