package org.portalsync.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.jwk.JWK;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.io.CloseMode;
import org.portalsync.source.fhir.EhrHttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;
import org.slf4j.LoggerFactory;

/**
 * private_key_jwt against the sandbox's token endpoint, which verifies every assertion for real (signature against the
 * registered JWKS, kid, aud, exp, iss/sub, one-time jti). Each test registers its own client, as an EHR's app registration
 * does, so the shared sandbox's replay cache and keys stay apart.
 */
class PrivateKeyJwtIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final CloseableHttpClient ehrHttp = EhrHttpClients.pooled(Duration.ofSeconds(5), Duration.ofSeconds(30));
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private PortalDatabase database;
    private AuditTrail audit;
    private String clientId;

    @BeforeEach
    void setUp() {
        database = TestDatabases.fresh("h2");
        audit = new AuditTrail(database);
        clientId = "backend-" + System.nanoTime();
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        EHR.setTokenLifetimeSeconds(3600);
        database.close();
        ehrHttp.close(CloseMode.GRACEFUL);
    }

    private ClientCredentialsTokenSource tokens(String tokenUrl, String client, Path keyFile, String keyId, Clock clock) {
        return new ClientCredentialsTokenSource(http, TokenEndpoint.fixed(tokenUrl), client,
                new PrivateKeyJwtAuthentication(client, new SigningKeys(keyFile, keyId, ""), clock), "system/Patient.read",
                Duration.ofSeconds(60), Duration.ofSeconds(10), Clock.systemUTC(), audit, "test_service");
    }

    private ClientCredentialsTokenSource tokens(Path keyFile) {
        return tokens(EHR.tokenUrl(), clientId, keyFile, "", Clock.systemUTC());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RS384", "ES384"})
    void aSignedAssertionGetsATokenTheEhrAccepts(String algorithm) throws Exception {
        JWK key = algorithm.equals("RS384") ? TestKeys.rsa("engine-1") : TestKeys.ec("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        ClientCredentialsTokenSource tokens = tokens(TestKeys.writeJwks(dir.resolve("keys.json"), key));
        FhirSourceClient client = new FhirSourceClient(ehrHttp, EHR.fhirBaseUrl(), tokens, audit, "test_service", Duration.ofSeconds(30),
                Duration.ofSeconds(5), Clock.systemUTC());

        FhirResponse response = client.get(EHR.fhirBaseUrl() + "/Patient?_count=1", "Patient.search");

        assertThat(response.status()).isEqualTo(200);
        List<SandboxEhr.ClientAssertion> accepted = EHR.acceptedAssertions(clientId);
        assertThat(accepted).hasSize(1);
        assertThat(accepted.get(0).algorithm()).isEqualTo(algorithm);
        assertThat(accepted.get(0).keyId()).isEqualTo("engine-1");
        assertThat(accepted.get(0).scope()).as("the source's scopes, asked for as SMART backend services grants them").isEqualTo("system/Patient.read");
        assertThat(Duration.between(accepted.get(0).issuedAt(), accepted.get(0).expiresAt())).isLessThanOrEqualTo(Duration.ofMinutes(5));
        assertThat(count("SELECT COUNT(*) FROM audit_event WHERE action = 'OAuth2.token' AND result = 'success'")).isEqualTo(1);
        assertThat(logText()).doesNotContain(key.toJSONObject().get("d").toString());
    }

    @Test
    void theTokenIsCachedAndAnExpiredOneIsAssertedForAgainWithANewJti() throws Exception {
        JWK key = TestKeys.ec("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        ClientCredentialsTokenSource tokens = tokens(TestKeys.writeJwks(dir.resolve("keys.json"), key));
        EHR.setTokenLifetimeSeconds(2);

        String first = tokens.accessToken();
        assertThat(tokens.accessToken()).isEqualTo(first);
        Thread.sleep(1_200); // past half the 2 s lifetime: renewed early, as refresh-before-expiry asks
        String second = tokens.accessToken();

        assertThat(second).isNotEqualTo(first);
        List<SandboxEhr.ClientAssertion> accepted = EHR.acceptedAssertions(clientId);
        assertThat(accepted).hasSize(2);
        assertThat(accepted.get(0).jwtId()).isNotEqualTo(accepted.get(1).jwtId());
    }

    @Test
    void aScopeOtherThanASystemScopeIsRefused() throws Exception {
        JWK key = TestKeys.rsa("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        ClientCredentialsTokenSource tokens = new ClientCredentialsTokenSource(http, TokenEndpoint.fixed(EHR.tokenUrl()), clientId,
                new PrivateKeyJwtAuthentication(clientId, new SigningKeys(TestKeys.writeJwks(dir.resolve("keys.json"), key), "", ""),
                        Clock.systemUTC()), "patient/Patient.read", Duration.ofSeconds(60), Duration.ofSeconds(10), Clock.systemUTC(), audit,
                "test_service");

        assertThatThrownBy(tokens::accessToken).isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("HTTP 400")
                .hasMessageContaining("invalid_scope");
        assertThat(EHR.acceptedAssertions(clientId)).isEmpty();
    }

    @Test
    void aReplayedAssertionIsRefused() throws Exception {
        JWK key = TestKeys.rsa("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        PrivateKeyJwtAuthentication authentication = new PrivateKeyJwtAuthentication(clientId,
                new SigningKeys(TestKeys.writeJwks(dir.resolve("keys.json"), key), "", ""), Clock.systemUTC());
        String assertion = authentication.assertion(URI.create(EHR.tokenUrl()));

        HttpResponse<String> first = post(assertion);
        HttpResponse<String> replay = post(assertion);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(replay.statusCode()).isEqualTo(400);
        assertThat(replay.body()).contains("invalid_client").contains("jti already used");
    }

    @Test
    void anAssertionForAnotherAudienceIsRefused() throws Exception {
        JWK key = TestKeys.rsa("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        // the same endpoint by another name: the assertion names it, the EHR expects its own URL
        String otherName = EHR.tokenUrl().replace("127.0.0.1", "localhost");

        assertRefused(tokens(otherName, clientId, TestKeys.writeJwks(dir.resolve("keys.json"), key), "", Clock.systemUTC()),
                "aud must be this token endpoint", key);
    }

    @Test
    void anExpiredAssertionIsRefused() throws Exception {
        JWK key = TestKeys.rsa("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        Clock slow = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10));

        assertRefused(tokens(EHR.tokenUrl(), clientId, TestKeys.writeJwks(dir.resolve("keys.json"), key), "", slow),
                "assertion expired", key);
    }

    @Test
    void anAssertionValidForMoreThanFiveMinutesIsRefused() throws Exception {
        JWK key = TestKeys.rsa("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));
        Clock fast = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10));

        assertRefused(tokens(EHR.tokenUrl(), clientId, TestKeys.writeJwks(dir.resolve("keys.json"), key), "", fast),
                "exp more than 5 minutes ahead", key);
    }

    @Test
    void anAssertionFromAnotherIssuerIsRefused() throws Exception {
        JWK key = TestKeys.rsa("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(key));

        assertRefused(tokens(EHR.tokenUrl(), clientId + "-typo", TestKeys.writeJwks(dir.resolve("keys.json"), key), "", Clock.systemUTC()),
                "iss names no registered backend client", key);
    }

    @Test
    void anAssertionWithAnUnknownKidIsRefused() throws Exception {
        JWK registered = TestKeys.rsa("engine-1");
        JWK unregistered = TestKeys.rsa("engine-2");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(registered));

        assertRefused(tokens(TestKeys.writeJwks(dir.resolve("keys.json"), unregistered)), "kid 'engine-2' is not in the JWKS", unregistered);
    }

    @Test
    void anAssertionSignedWithAnotherKeyUnderTheRegisteredKidIsRefused() throws Exception {
        JWK registered = TestKeys.ec("engine-1");
        JWK impostor = TestKeys.ec("engine-1");
        EHR.registerBackendService(clientId, TestKeys.publicJwks(registered));

        assertRefused(tokens(TestKeys.writeJwks(dir.resolve("keys.json"), impostor)), "signature does not verify", impostor);
    }

    @Test
    void aRotatedKeyFileIsUsedWithoutARestart() throws Exception {
        Instant now = Instant.now();
        JWK old = TestKeys.rsa("2025", now.minus(Duration.ofDays(300)));
        JWK next = TestKeys.ec("2026", now);
        Path keyFile = TestKeys.writeJwks(dir.resolve("keys.json"), old);
        EHR.registerBackendService(clientId, TestKeys.publicJwks(old));
        ClientCredentialsTokenSource tokens = tokens(keyFile);
        FhirSourceClient client = new FhirSourceClient(ehrHttp, EHR.fhirBaseUrl(), tokens, audit, "test_service", Duration.ofSeconds(30),
                Duration.ofSeconds(5), Clock.systemUTC());
        assertThat(client.get(EHR.fhirBaseUrl() + "/Patient?_count=1", "Patient.search").status()).isEqualTo(200);

        // the rotation: the EHR gets both public keys, then the engine's file holds both private keys
        EHR.registerBackendService(clientId, TestKeys.publicJwks(old, next));
        TestKeys.writeJwks(keyFile, old, next);
        EHR.expireAllTokens();
        assertThat(client.get(EHR.fhirBaseUrl() + "/Patient?_count=1", "Patient.search").status()).isEqualTo(200);
        // and once the old key is withdrawn at the EHR, the engine no longer needs it
        EHR.registerBackendService(clientId, TestKeys.publicJwks(next));
        EHR.expireAllTokens();
        assertThat(client.get(EHR.fhirBaseUrl() + "/Patient?_count=1", "Patient.search").status()).isEqualTo(200);

        assertThat(EHR.acceptedAssertions(clientId)).extracting(SandboxEhr.ClientAssertion::keyId).containsExactly("2025", "2026", "2026");
        assertThat(EHR.acceptedAssertions(clientId)).extracting(SandboxEhr.ClientAssertion::algorithm)
                .containsExactly("RS384", "ES384", "ES384");
    }

    @Test
    void aPkcs12KeyStoreSigns() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(OpenSsl.available(), "openssl is not installed");
        Path key = OpenSsl.run(dir, "key.pem", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384");
        Path cert = OpenSsl.run(dir, "cert.pem", "req", "-new", "-x509", "-key", key.toString(), "-subj", "/CN=portal-sync", "-days", "30");
        Path p12 = OpenSsl.run(dir, "engine.p12", "pkcs12", "-export", "-inkey", key.toString(), "-in", cert.toString(),
                "-passout", "pass:p12-password-1234", "-name", "engine-p12");
        SigningKeys keys = new SigningKeys(p12, "", "p12-password-1234");
        EHR.registerBackendService(clientId, keys.publicKeys());
        ClientCredentialsTokenSource tokens = new ClientCredentialsTokenSource(http, TokenEndpoint.fixed(EHR.tokenUrl()), clientId,
                new PrivateKeyJwtAuthentication(clientId, keys, Clock.systemUTC()), "system/Patient.read", Duration.ofSeconds(60),
                Duration.ofSeconds(10), Clock.systemUTC(), audit, "test_service");

        assertThat(tokens.accessToken()).isNotBlank();
        assertThat(EHR.acceptedAssertions(clientId)).extracting(SandboxEhr.ClientAssertion::keyId).containsExactly("engine-p12");
        assertThatThrownBy(() -> new SigningKeys(p12, "", "wrong-password").current())
                .hasMessageContaining("engine.p12").hasMessageContaining("wrong password").hasMessageNotContaining("p12-password-1234");
    }

    /** The token endpoint refuses: an authentication failure naming the reason, the client and no key material. */
    private void assertRefused(ClientCredentialsTokenSource tokens, String reason, JWK key) {
        assertThatThrownBy(tokens::accessToken).isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("private_key_jwt").hasMessageContaining("HTTP 400").hasMessageContaining("invalid_client")
                .hasMessageContaining(reason)
                .hasMessageNotContaining(key.toJSONObject().get("d").toString());
        assertThat(count("SELECT COUNT(*) FROM audit_event WHERE action = 'OAuth2.token' AND result = 'failure: HTTP 400'")).isEqualTo(1);
        assertThat(EHR.acceptedAssertions(clientId)).isEmpty();
        assertThat(logText()).doesNotContain(key.toJSONObject().get("d").toString());
    }

    private HttpResponse<String> post(String assertion) throws Exception {
        String form = "grant_type=client_credentials&client_assertion_type="
                + URLEncoder.encode(PrivateKeyJwtAuthentication.ASSERTION_TYPE, StandardCharsets.UTF_8)
                + "&client_assertion=" + assertion + "&scope=" + URLEncoder.encode("system/Patient.read", StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(URI.create(EHR.tokenUrl())).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private long count(String sql) {
        return database.inTransaction(connection -> {
            try (var select = connection.prepareStatement(sql); var rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        });
    }

    private String logText() {
        StringBuilder text = new StringBuilder();
        logs.list.forEach(event -> text.append(event.getFormattedMessage()).append('\n'));
        return text.toString();
    }
}
