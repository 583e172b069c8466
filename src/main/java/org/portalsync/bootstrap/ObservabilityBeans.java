package org.portalsync.bootstrap;

import java.time.Clock;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.prometheus.MicrometerPrometheus;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.metrics.PortalGauges;
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

    private static final Logger LOG = LoggerFactory.getLogger(ObservabilityBeans.class);

    private ObservabilityBeans() {
    }

    /** The meter registry (the one camel-micrometer-prometheus serves) and the engine's own meters on it. */
    static SyncMetrics metrics(CamelContext camel, PortalDatabase database, Clock clock) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        camel.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, registry);
        SyncMetrics metrics = new SyncMetrics(registry);
        camel.getRegistry().bind(SyncMetrics.REGISTRY_NAME, metrics);
        new PortalGauges(database, clock).register(registry);
        return metrics;
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
