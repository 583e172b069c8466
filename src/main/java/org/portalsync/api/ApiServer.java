package org.portalsync.api;

import java.util.List;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.SecureSocketProtocolsParameters;
import org.portalsync.config.PortalSyncSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's HTTP API server: Camel Main's embedded server ({@code camel-platform-http-main},
 * Vert.x), set up from the {@code portal-sync.api.*} settings, for the platform-http routes in
 * {@code routes/api-*.yaml}. It listens on loopback unless TLS is configured (the settings refuse
 * anything else), reads at most {@code max-body-bytes} of a body, answers only with the API's own
 * headers, and gives its own refusals (404, 405, 413) in the API's JSON form with an audit row.
 * A dry run, or {@code portal-sync.api.enabled=false}, opens no port: the API routes do not start.
 */
public final class ApiServer {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** TLS 1.2 is the floor for PHI in transit (HIPAA guidance); 1.3 preferred. */
    private static final List<String> TLS_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private ApiServer() {
    }

    /**
     * Called while the engine is configured, before Camel Main reads its {@code camel.server.*}
     * options, which this sets.
     *
     * @param open false in a dry run or when the API is disabled: then the API routes do not start
     */
    public static void configure(CamelContext camel, PortalSyncSettings settings, boolean open, ApiAudit audit) throws Exception {
        // the API routes start only with the server ({{portal-sync.api.enabled}} in their autoStartup)
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.API_ENABLED, String.valueOf(open));
        if (!open) {
            return;
        }
        int maxBodyBytes = settings.apiMaxBodyBytes();
        Optional<PortalSyncSettings.ApiTls> tls = settings.apiTls();
        // what Camel Main does for camel.server.enabled=true, from our validated settings
        MainHttpServer server = new MainHttpServer();
        server.setCamelContext(camel);
        server.setHost(settings.apiBindAddress());
        server.setPort(settings.apiPort());
        server.setPath("/");
        server.setMaxBodySize((long) maxBodyBytes);
        // a multipart body would otherwise be written to a temporary folder before any route sees it
        server.setFileUploadEnabled(false);
        server.setStaticEnabled(false);
        tls.ifPresent(keystore -> server.setSslContextParameters(sslContext(keystore)));
        camel.addService(server, true, true);
        PlatformHttpComponent platformHttp = camel.getComponent("platform-http", PlatformHttpComponent.class);
        platformHttp.setHeaderFilterStrategy(new ApiHeaderFilterStrategy());
        ApiPlatformHttpEngine engine = new ApiPlatformHttpEngine(settings.apiPort());
        engine.setCamelContext(camel);
        platformHttp.setEngine(engine);
        camel.addStartupListener((context, alreadyStarted) -> {
            // the server is up, the API routes are about to take requests
            new ApiFallbackResponses(server.getRouter(), audit, maxBodyBytes, camel::isStarted).install();
            LOG.info("portal-sync API listening on {}://{}:{}", tls.isPresent() ? "https" : "http", settings.apiBindAddress(),
                    server.getRouter().getServer().getPort());
        });
    }

    private static SSLContextParameters sslContext(PortalSyncSettings.ApiTls tls) {
        KeyStoreParameters keyStore = new KeyStoreParameters();
        keyStore.setResource("file:" + tls.keystore());
        keyStore.setType("PKCS12");
        keyStore.setPassword(tls.password());
        KeyManagersParameters keyManagers = new KeyManagersParameters();
        keyManagers.setKeyStore(keyStore);
        keyManagers.setKeyPassword(tls.password());
        SecureSocketProtocolsParameters protocols = new SecureSocketProtocolsParameters();
        protocols.setSecureSocketProtocol(TLS_PROTOCOLS);
        SSLContextParameters ssl = new SSLContextParameters();
        ssl.setKeyManagers(keyManagers);
        ssl.setSecureSocketProtocols(protocols);
        return ssl;
    }
}
