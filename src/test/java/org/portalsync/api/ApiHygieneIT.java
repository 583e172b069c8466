package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * Every API request is size-limited, parsed strictly and answered in one JSON error form, and leaves
 * one audit row whatever its fate. The JSON body cases go through a test route written the way a
 * real API route is (src/test/resources/api-test-routes/api-test-echo.yaml), beside the real route files.
 */
class ApiHygieneIT {

    private static final int MAX_BODY = 1024;
    private static final String ECHO = "/api/v1/test/echo";

    private static Map<String, String> settings;
    private static TestEngine engine;
    private static ApiTestClient api;
    private static String writer;
    private long auditRowsBefore;

    @BeforeAll
    static void start() throws Exception {
        settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.API_MAX_BODY_BYTES, String.valueOf(MAX_BODY));
        settings.put("camel.main.routes-include-pattern",
                "file:" + Path.of("routes").toAbsolutePath() + "/*.yaml,classpath:api-test-routes/api-test-echo.yaml");
        engine = TestEngine.start(settings);
        writer = ApiTestClient.issue(settings, "portal", "patient-changes:write", "patient-changes:read");
        api = new ApiTestClient(engine.apiBaseUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        engine.close();
    }

    @BeforeEach
    void countAuditRows() throws Exception {
        auditRowsBefore = apiAuditRows();
    }

    private static long apiAuditRows() throws Exception {
        return engine.count("SELECT COUNT(*) FROM audit_event WHERE action LIKE 'API %'");
    }

    private static HttpResponse<String> post(String path, String contentType, HttpRequest.BodyPublisher body) throws Exception {
        HttpRequest.Builder request = api.request(path, writer).POST(body);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return api.send(request.build());
    }

    private static HttpResponse<String> postJson(String json) throws Exception {
        return post(ECHO, "application/json", BodyPublishers.ofString(json));
    }

    /** A JSON error answer with this status and code; never a stack trace, an exception class or a Java package. */
    private static void assertError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).startsWith("{\"error\":\"" + code + "\",\"message\":\"").endsWith("\"}")
                .doesNotContain("Exception").doesNotContain("java.").doesNotContain("org.").doesNotContain("\\tat ");
    }

    private void assertAuditRows(long requests, String lastResult) throws Exception {
        assertThat(apiAuditRows() - auditRowsBefore).as("one audit row per request").isEqualTo(requests);
        assertThat(engine.rows("SELECT result FROM audit_event WHERE action LIKE 'API %' ORDER BY id DESC").get(0))
                .containsEntry("result", lastResult);
    }

    @Test
    void aWellFormedBodyIsParsedIntoTheRoutesType() throws Exception {
        HttpResponse<String> response = postJson("{\"name\": \"Ada\", \"count\": 2, \"tags\": [\"a\", \"b\"]}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"name\":\"Ada\",\"count\":2,\"tags\":[\"a\",\"b\"]}");
        assertAuditRows(1, "200");
        assertThat(engine.rows("SELECT actor FROM audit_event WHERE action = 'API POST /api/v1/test/echo' ORDER BY id DESC").get(0))
                .containsEntry("actor", "portal");
    }

    @Test
    void aBodyOverTheLimitIs413BeforeItIsParsedWhetherItsLengthIsDeclaredOrNot() throws Exception {
        String justFits = "{\"name\": \"" + "x".repeat(MAX_BODY - 12) + "\"}";
        assertThat(justFits.getBytes(StandardCharsets.UTF_8)).hasSize(MAX_BODY);
        // not JSON at all: a parser that read it would answer 400
        byte[] tooLarge = "<".repeat(MAX_BODY + 1).getBytes(StandardCharsets.UTF_8);

        HttpResponse<String> fits = postJson(justFits);
        HttpResponse<String> declared = post(ECHO, "application/json", BodyPublishers.ofByteArray(tooLarge));
        // no Content-Length: sent chunked, so only counting the bytes finds it too large
        HttpResponse<String> chunked = post(ECHO, "application/json",
                BodyPublishers.ofInputStream(() -> new ByteArrayInputStream("<".repeat(20 * MAX_BODY).getBytes(StandardCharsets.UTF_8))));

        assertThat(fits.statusCode()).isEqualTo(200);
        assertError(declared, 413, "payload_too_large");
        assertError(chunked, 413, "payload_too_large");
        assertThat(chunked.body()).contains("larger than 1024 bytes");
        assertAuditRows(3, "413");
    }

    @Test
    void aBodyThatIsNotJsonIs415() throws Exception {
        assertError(post(ECHO, "text/plain", BodyPublishers.ofString("{\"name\": \"Ada\"}")), 415, "unsupported_media_type");
        assertError(post(ECHO, "application/json; charset=latin1", BodyPublishers.ofString("{\"name\": \"Ada\"}")), 415,
                "unsupported_media_type");
        assertError(post(ECHO, null, BodyPublishers.ofString("{\"name\": \"Ada\"}")), 415, "unsupported_media_type");
        assertThat(post(ECHO, "application/json; charset=UTF-8", BodyPublishers.ofString("{\"name\": \"Ada\"}")).statusCode()).isEqualTo(200);
        assertAuditRows(4, "200");
    }

    @Test
    void malformedJsonAnUnknownPropertyAndAWrongTypeAre400NamingThePathNotTheValue() throws Exception {
        HttpResponse<String> malformed = postJson("{\"name\": \"Okafor\", \"tags\": [\"a\",]}");
        HttpResponse<String> unknown = postJson("{\"name\": \"Okafor\", \"nickname\": \"Ada\"}");
        HttpResponse<String> wrongType = postJson("{\"name\": \"Okafor\", \"count\": \"7\"}");
        HttpResponse<String> duplicate = postJson("{\"name\": \"Okafor\", \"name\": \"Smith\"}");
        HttpResponse<String> trailing = postJson("{\"name\": \"Okafor\"} {\"name\": \"Smith\"}");

        for (HttpResponse<String> response : List.of(malformed, unknown, wrongType, duplicate, trailing)) {
            assertError(response, 400, "invalid_json");
            assertThat(response.body()).doesNotContain("Okafor").doesNotContain("Ada").doesNotContain("Smith").doesNotContain("\"7\"");
        }
        assertThat(malformed.body()).contains("$.tags[1]: malformed JSON");
        assertThat(unknown.body()).contains("$.nickname: unknown property");
        assertThat(wrongType.body()).contains("$.count: expected a whole number");
        assertThat(duplicate.body()).contains("$.name: duplicate property");
        assertThat(trailing.body()).contains("unexpected content after the JSON value");
        assertAuditRows(5, "400");
    }

    @Test
    void anUnexpectedFailureIs500WithoutItsDetails() throws Exception {
        HttpResponse<String> response = postJson("{\"name\": \"explode\"}");

        assertError(response, 500, "internal_error");
        assertThat(response.body()).doesNotContain("internal detail").doesNotContain("Secret");
        assertAuditRows(1, "500");
    }

    @Test
    void anUnknownPathIs404AndAnotherMethodIs405InTheSameJsonForm() throws Exception {
        HttpResponse<String> unknownPath = api.get("/api/v1/nothing-here", writer);
        HttpResponse<String> root = api.get("/", null);
        HttpResponse<String> wrongMethod = api.send(api.request("/api/v1/dead-letters", writer).PUT(BodyPublishers.ofString("{}")).build());
        HttpResponse<String> getOnEcho = api.get(ECHO, writer);

        assertError(unknownPath, 404, "not_found");
        assertError(root, 404, "not_found");
        assertError(wrongMethod, 405, "method_not_allowed");
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("GET");
        assertError(getOnEcho, 405, "method_not_allowed");
        assertThat(getOnEcho.headers().firstValue("Allow")).contains("POST");
        assertAuditRows(4, "405");
        assertThat(engine.rows("SELECT actor, action FROM audit_event WHERE result = '404' ORDER BY id").get(0))
                .containsEntry("actor", "anonymous").containsEntry("action", "API GET /api/v1/nothing-here");
    }

    @Test
    void aPathParameterAlsoSentAsHeaderOrQueryParameterIs400() throws Exception {
        HttpResponse<String> plain = api.get("/api/v1/test/path/123", writer);
        HttpResponse<String> alsoHeader = api.send(api.request("/api/v1/test/path/123", writer).header("id", "999").GET().build());
        HttpResponse<String> alsoQuery = api.get("/api/v1/test/path/123?id=999", writer);

        assertThat(plain.body()).isEqualTo("{\"id\":\"123\"}");
        assertError(alsoHeader, 400, "bad_request");
        assertError(alsoQuery, 400, "bad_request");
        assertThat(alsoQuery.body()).doesNotContain("999");
        assertAuditRows(3, "400");
    }

    @Test
    void aQueryParameterTheEndpointDoesNotTakeIs400() throws Exception {
        String ops = ApiTestClient.issue(settings, "ops-" + System.nanoTime() % 100000, "dead-letters:read");

        assertError(api.get("/api/v1/dead-letters?limt=5", ops), 400, "bad_request");
        assertError(api.get("/api/v1/dead-letters?limit=5000", ops), 400, "bad_request");
        assertThat(api.get("/api/v1/dead-letters?limit=5", ops).statusCode()).isEqualTo(200);
        assertAuditRows(3, "200");
    }
}
