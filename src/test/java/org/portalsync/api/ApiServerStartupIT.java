package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.console.ConsoleTestUsers;
import org.portalsync.sync.TestEngine;
import org.portalsync.testing.FreePorts;
import org.slf4j.LoggerFactory;

/** Where the API listens, and when it does not: loopback or TLS only, never in a dry run or when disabled. */
class ApiServerStartupIT {

    private static final String KEYSTORE_PASSWORD = "Keystore-Pass-4417";

    private static String startupError(Map<String, String> settings) {
        try (TestEngine engine = TestEngine.start(settings)) {
            return null;
        } catch (Exception e) {
            StringBuilder messages = new StringBuilder();
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                messages.append(cause.getMessage()).append('\n');
            }
            return messages.toString();
        }
    }

    @Test
    void aNonLoopbackAddressWithoutTlsStopsStartUpSayingWhatToSet() throws Exception {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.API_BIND_ADDRESS, "0.0.0.0");

        assertThat(startupError(settings)).contains("config/application.properties")
                .contains("portal-sync.api.bind-address='0.0.0.0' is invalid: expected a loopback address such as 127.0.0.1, "
                        + "because no TLS is configured")
                .contains("portal-sync.api.tls.keystore").contains("PORTAL_SYNC_API_TLS_KEYSTORE_PASSWORD");

        settings.put(PortalSyncSettings.API_BIND_ADDRESS, "::1");
        assertThat(startupError(settings)).as("IPv6 loopback").isNull();
    }

    @Test
    void withAKeyStoreTheApiListensOnAnyAddressOverTls12OrLaterOnly(@TempDir Path dir) throws Exception {
        Path keystore = keystore(dir);
        Path passwordFile = Files.writeString(dir.resolve("api-tls.password"), KEYSTORE_PASSWORD + "\n");
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.API_BIND_ADDRESS, "0.0.0.0");
        settings.put(PortalSyncSettings.API_TLS_KEYSTORE, keystore.toString());
        settings.put(PortalSyncSettings.API_TLS_KEYSTORE_PASSWORD_FILE, passwordFile.toString());
        ConsoleTestUsers.enable(settings);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        try (TestEngine engine = TestEngine.start(settings)) {
            String baseUrl = engine.apiBaseUrl();
            assertThat(baseUrl).startsWith("https://");
            HttpClient tls12 = client(keystore, "TLSv1.2");
            HttpClient tls13 = client(keystore, "TLSv1.3");

            HttpResponse<String> over12 = tls12.send(request(baseUrl), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> over13 = tls13.send(request(baseUrl), HttpResponse.BodyHandlers.ofString());

            assertThat(over12.statusCode()).isEqualTo(401);
            assertThat(over12.sslSession()).hasValueSatisfying(session -> assertThat(session.getProtocol()).isEqualTo("TLSv1.2"));
            assertThat(over13.sslSession()).hasValueSatisfying(session -> assertThat(session.getProtocol()).isEqualTo("TLSv1.3"));
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(request(baseUrl.replace("https://", "http://")),
                    HttpResponse.BodyHandlers.ofString())).as("plain HTTP gets no answer").isInstanceOf(IOException.class);

            // over TLS the console asks browsers to keep to HTTPS, and its session cookie never travels in clear
            HttpResponse<String> loginPage = tls12.send(HttpRequest.newBuilder(URI.create(baseUrl + "/console/login")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(loginPage.statusCode()).isEqualTo(200);
            assertThat(loginPage.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
            HttpResponse<String> signedIn = tls12.send(HttpRequest.newBuilder(URI.create(baseUrl + "/console/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", baseUrl)
                    .POST(HttpRequest.BodyPublishers.ofString("username=" + ConsoleTestUsers.OPERATOR + "&password="
                            + ConsoleTestUsers.OPERATOR_PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(signedIn.statusCode()).isEqualTo(303);
            assertThat(signedIn.headers().firstValue("Set-Cookie")).hasValueSatisfying(cookie -> assertThat(cookie.toLowerCase(java.util.Locale.ROOT)
                    .split(";\\s*")).contains("secure", "httponly"));
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .anyMatch(line -> line.startsWith("portal-sync API listening on https://0.0.0.0:"))
                .noneMatch(line -> line.contains(KEYSTORE_PASSWORD));
    }

    @Test
    void aKeyStoreThatDoesNotOpenStopsStartUpWithoutShowingThePassword(@TempDir Path dir) throws Exception {
        Path keystore = keystore(dir);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.API_TLS_KEYSTORE, keystore.toString());
        settings.put(PortalSyncSettings.API_TLS_KEYSTORE_PASSWORD, "Wrong-Pass-9921");

        assertThat(startupError(settings)).contains("portal-sync.api.tls.keystore=" + keystore + ": cannot open it as a PKCS#12 key store")
                .doesNotContain("Wrong-Pass-9921");
    }

    @Test
    void aDryRunOpensNoPortWhateverTheSettingSays() throws Exception {
        Map<String, String> settings = onAFreePort();
        settings.put(PortalSyncSettings.API_ENABLED, "true");
        settings.put(PortalSyncSettings.DRY_RUN, "true");
        assertNoPortOpened(settings);

        settings.remove(PortalSyncSettings.DRY_RUN);
        try (TestEngine engine = TestEngine.start(settings)) {
            assertThat(engine.routeStatus("api-dead-letters")).isEqualTo("Started");
            connect(Integer.parseInt(settings.get(PortalSyncSettings.API_PORT)));
        }
    }

    @Test
    void aDisabledApiOpensNoPort() throws Exception {
        Map<String, String> settings = onAFreePort();
        settings.put(PortalSyncSettings.API_ENABLED, "false");
        assertNoPortOpened(settings);
    }

    private static void assertNoPortOpened(Map<String, String> settings) throws Exception {
        try (TestEngine engine = TestEngine.start(settings)) {
            assertThat(engine.routeStatus("api-dead-letters")).isEqualTo("Stopped");
            assertThatThrownBy(() -> connect(Integer.parseInt(settings.get(PortalSyncSettings.API_PORT))))
                    .isInstanceOf(ConnectException.class);
        }
    }

    /** Settings with the API on a port that was free a moment ago, so that a test can see whether it is taken. */
    private static Map<String, String> onAFreePort() throws IOException {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.API_PORT, String.valueOf(FreePorts.next()));
        return settings;
    }

    private static void connect(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        }
    }

    private static HttpRequest request(String baseUrl) {
        return HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/dead-letters")).timeout(Duration.ofSeconds(30)).build();
    }

    /** A PKCS#12 key store with a self-signed certificate for 127.0.0.1, made by the JDK's keytool. */
    private static Path keystore(Path dir) throws Exception {
        Path keystore = dir.resolve("api-tls.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "api", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(output).isZero();
        return keystore;
    }

    /** A client that trusts the key store's certificate and speaks only the given TLS version. */
    private static HttpClient client(Path keystore, String protocol) throws Exception {
        KeyStore server = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            server.load(in, KEYSTORE_PASSWORD.toCharArray());
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("api", server.getCertificate("api"));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        SSLParameters parameters = context.getDefaultSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        return HttpClient.newBuilder().sslContext(context).sslParameters(parameters).connectTimeout(Duration.ofSeconds(30)).build();
    }
}
