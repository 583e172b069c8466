package org.portalsync.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.io.CloseMode;
import org.portalsync.source.fhir.EhrHttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;
import org.slf4j.LoggerFactory;

/** Client credentials against the sandbox's real token endpoint, and the 401 refresh in the FHIR client. */
class ClientCredentialsTokenSourceIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private final HttpClient http = HttpClient.newHttpClient();
    private final CloseableHttpClient ehrHttp = EhrHttpClients.pooled(Duration.ofSeconds(5), Duration.ofSeconds(30));
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private PortalDatabase database;
    private AuditTrail audit;

    @BeforeEach
    void setUp() {
        database = TestDatabases.fresh("h2");
        audit = new AuditTrail(database);
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        database.close();
        ehrHttp.close(CloseMode.GRACEFUL);
    }

    private ClientCredentialsTokenSource tokens(String secret, String method) {
        return new ClientCredentialsTokenSource(http, EHR.tokenUrl(), EHR.clientId(), secret, method, "system/Patient.read",
                Duration.ofSeconds(60), Duration.ofSeconds(10), Clock.systemUTC(), audit, "test_service");
    }

    @ParameterizedTest
    @ValueSource(strings = {"client_secret_basic", "client_secret_post"})
    void getsATokenAndReusesItUntilItNearsExpiry(String method) throws Exception {
        ClientCredentialsTokenSource tokens = tokens(EHR.clientSecret(), method);
        int issuedBefore = EHR.tokensIssued();

        String first = tokens.accessToken();
        String second = tokens.accessToken();

        assertThat(first).isNotBlank().isEqualTo(second);
        assertThat(EHR.tokensIssued()).isEqualTo(issuedBefore + 1);
        assertThat(count("SELECT COUNT(*) FROM audit_event WHERE action = 'OAuth2.token' AND result = 'success'")).isEqualTo(1);
        assertThat(logText()).doesNotContain(first).doesNotContain(EHR.clientSecret()).contains("****" + first.substring(first.length() - 4));
    }

    @Test
    void refusedClientIsAnAuthenticationFailureThatNamesNoSecret() throws Exception {
        ClientCredentialsTokenSource tokens = tokens("wrong-secret-value", "client_secret_basic");

        assertThatThrownBy(tokens::accessToken).isInstanceOf(AuthenticationFailedException.class)
                .hasMessageContaining("HTTP 401").hasMessageContaining("invalid_client").hasMessageNotContaining("wrong-secret-value");
        assertThat(count("SELECT COUNT(*) FROM audit_event WHERE action = 'OAuth2.token' AND result = 'failure: HTTP 401'")).isEqualTo(1);
    }

    @Test
    void aTokenTheEhrNoLongerAcceptsIsReplacedOnceAndTheRequestRetried() throws Exception {
        ClientCredentialsTokenSource tokens = tokens(EHR.clientSecret(), "client_secret_basic");
        FhirSourceClient client = new FhirSourceClient(ehrHttp, EHR.fhirBaseUrl(), tokens, audit, "test_service", Duration.ofSeconds(30),
                Duration.ofSeconds(5), Clock.systemUTC());
        String stale = tokens.accessToken();
        EHR.expireAllTokens();

        FhirResponse response = client.get(EHR.fhirBaseUrl() + "/Patient?_count=1", "Patient.search");

        assertThat(response.status()).isEqualTo(200);
        assertThat(tokens.accessToken()).isNotEqualTo(stale);
        List<String> results = database.inTransaction(connection -> {
            try (var select = connection.prepareStatement("SELECT result FROM audit_event WHERE action = 'Patient.search' ORDER BY id");
                    var rows = select.executeQuery()) {
                List<String> found = new java.util.ArrayList<>();
                while (rows.next()) {
                    found.add(rows.getString(1));
                }
                return found;
            }
        });
        assertThat(results).containsExactly("failure: HTTP 401", "success");
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
