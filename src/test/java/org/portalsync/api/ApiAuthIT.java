package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.sync.TestEngine;
import org.slf4j.LoggerFactory;

/**
 * The API authenticates every request by its X-API-Key against the hashed keys in api_client and
 * checks the route's scope; the key itself is kept nowhere, shown nowhere. On H2 and PostgreSQL.
 */
class ApiAuthIT {

    private static final String DEAD_LETTERS = "/api/v1/dead-letters";

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger audit = (Logger) LoggerFactory.getLogger("portal-sync.audit");
    private Level auditLevel;

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        // the audit lines too, as production logs them
        auditLevel = audit.getLevel();
        audit.setLevel(Level.INFO);
    }

    @AfterEach
    void releaseLogs() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        audit.setLevel(auditLevel);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aMissingWrongUnknownOrRevokedKeyGetsTheSame401AndTheRightKeyGetsIn(String database) throws Exception {
        Map<String, String> settings = TestEngine.settingsWithoutEhr(database);
        try (TestEngine engine = TestEngine.start(settings)) {
            String ops = ApiTestClient.issue(settings, "ops", "dead-letters:read");
            String retired = ApiTestClient.issue(settings, "retired", "dead-letters:read");
            ApiTestClient.command(settings, 0, "revoke", "--client", "retired");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            String opsSecret = ops.substring("ops.".length());

            HttpResponse<String> accepted = api.get(DEAD_LETTERS, ops);
            List<HttpResponse<String>> refused = List.of(
                    api.get(DEAD_LETTERS, null),
                    api.get(DEAD_LETTERS, "ops." + opsSecret.substring(1) + (opsSecret.charAt(0) == 'A' ? "B" : "A")),
                    api.get(DEAD_LETTERS, "nobody." + opsSecret),
                    api.get(DEAD_LETTERS, opsSecret),
                    api.get(DEAD_LETTERS, retired),
                    api.get(DEAD_LETTERS + "?X-API-Key=" + ops, null));

            assertThat(accepted.statusCode()).isEqualTo(200);
            assertThat(accepted.body()).isEqualTo("{\"total\":0,\"dead_letters\":[]}");
            assertThat(refused).allSatisfy(response -> {
                assertThat(response.statusCode()).isEqualTo(401);
                assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
                assertThat(response.body())
                        .isEqualTo("{\"error\":\"unauthorized\",\"message\":\"A valid API key is required in the X-API-Key header.\"}");
            });
            assertThat(engine.rows("SELECT actor, action, resource, peer, result FROM audit_event WHERE action LIKE 'API %' ORDER BY id"))
                    .as("one audit row per request, the refused ones anonymous")
                    .extracting(row -> row.get("actor") + " " + row.get("action") + " " + row.get("resource") + " " + row.get("peer")
                            + " " + row.get("result"))
                    .containsExactly("ops API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 200",
                            "anonymous API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 401",
                            "anonymous API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 401",
                            "anonymous API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 401",
                            "anonymous API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 401",
                            "anonymous API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 401",
                            "anonymous API GET /api/v1/dead-letters /api/v1/dead-letters 127.0.0.1 401");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void aKeyWithoutTheRoutesScopeGets403(String database) throws Exception {
        Map<String, String> settings = TestEngine.settingsWithoutEhr(database);
        try (TestEngine engine = TestEngine.start(settings)) {
            String portal = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());

            HttpResponse<String> response = api.get(DEAD_LETTERS, portal);

            assertThat(response.statusCode()).isEqualTo(403);
            assertThat(response.body())
                    .isEqualTo("{\"error\":\"forbidden\",\"message\":\"This API key does not have the scope dead-letters:read.\"}");
            assertThat(engine.rows("SELECT actor, result FROM audit_event WHERE action = 'API GET /api/v1/dead-letters'"))
                    .singleElement().satisfies(row -> assertThat(row).containsEntry("actor", "portal").containsEntry("result", "403"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void theKeyIsInNoTableNoLogLineNoAuditRowAndNoAnswerOnlyItsHashIsStored(String database) throws Exception {
        Map<String, String> settings = TestEngine.settingsWithoutEhr(database);
        try (TestEngine engine = TestEngine.start(settings)) {
            String ops = ApiTestClient.issue(settings, "ops", "dead-letters:read");
            String secret = ops.substring("ops.".length());
            ApiTestClient api = new ApiTestClient(engine.apiBaseUrl());
            List<HttpResponse<String>> answers = new ArrayList<>();
            answers.add(api.get(DEAD_LETTERS, ops));
            answers.add(api.get(DEAD_LETTERS, ops + "x"));
            answers.add(api.get(DEAD_LETTERS + "?limit=0", ops));
            answers.add(api.get("/api/v1/no-such-thing", ops));
            answers.add(api.send(api.request(DEAD_LETTERS, ops).DELETE().build()));

            assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 401, 400, 404, 405);
            assertThat(answers).allSatisfy(answer -> {
                assertThat(answer.body()).doesNotContain(secret);
                assertThat(answer.headers().map().toString()).doesNotContain(secret).doesNotContainIgnoringCase("x-api-key");
                // the request's own headers are not sent back
                assertThat(answer.headers().map().keySet()).doesNotContain("user-agent", "host");
            });
            assertThat(engine.rows("SELECT key_hash FROM api_client WHERE client_id = 'ops'")).singleElement()
                    .satisfies(row -> assertThat(((String) row.get("key_hash")).trim()).isEqualTo(ApiKey.hash(ops)));
            assertThat(tablesHolding(engine, secret)).as("tables holding the key").isEmpty();
            assertThat(tablesHolding(engine, ApiKey.hash(ops))).as("tables holding its hash").containsExactly("api_client.key_hash");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action LIKE 'API %'")).isEqualTo(answers.size());
            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).anyMatch(line -> line.contains("API GET /api/v1/dead-letters"))
                    .noneMatch(line -> line.contains(secret));
        }
    }

    /** Every text column of every table of the portal database that holds the text, as table.column. */
    private static List<String> tablesHolding(TestEngine engine, String text) throws Exception {
        List<String> holding = new ArrayList<>();
        try (Connection connection = engine.database().getConnection()) {
            List<String[]> columns = new ArrayList<>();
            try (ResultSet rows = connection.getMetaData().getColumns(null, null, "%", "%")) {
                while (rows.next()) {
                    String schema = rows.getString("TABLE_SCHEM");
                    int type = rows.getInt("DATA_TYPE");
                    boolean text_ = type == java.sql.Types.VARCHAR || type == java.sql.Types.CHAR || type == java.sql.Types.CLOB
                            || type == java.sql.Types.LONGVARCHAR;
                    if (text_ && schema != null && schema.equalsIgnoreCase("public")) {
                        columns.add(new String[] {rows.getString("TABLE_NAME"), rows.getString("COLUMN_NAME")});
                    }
                }
            }
            assertThat(columns).as("text columns found").hasSizeGreaterThan(20);
            for (String[] column : columns) {
                try (PreparedStatement select = connection.prepareStatement(
                        "SELECT COUNT(*) FROM \"" + column[0] + "\" WHERE CAST(\"" + column[1] + "\" AS VARCHAR(10000)) LIKE ?")) {
                    select.setString(1, "%" + text + "%");
                    try (ResultSet count = select.executeQuery()) {
                        count.next();
                        if (count.getLong(1) > 0) {
                            holding.add(column[0].toLowerCase() + "." + column[1].toLowerCase());
                        }
                    }
                }
            }
        }
        return holding;
    }
}
