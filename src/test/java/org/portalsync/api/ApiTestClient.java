package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Issues keys the way an operator does (the command) and calls the engine's API over real HTTP. */
final class ApiTestClient {

    private static final Pattern KEY = Pattern.compile("(?m)^([a-z0-9][a-z0-9_-]*\\.[A-Za-z0-9_-]{43})$");

    private final HttpClient http = org.portalsync.testing.TestHttp.client();
    private final String baseUrl;

    ApiTestClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** Runs {@code ApiKeysCommand create} against the engine's database and returns the key it printed. */
    static String issue(Map<String, String> settings, String client, String... scopes) {
        List<String> args = new ArrayList<>(List.of("create", "--client", client));
        for (String scope : scopes) {
            args.add("--scope");
            args.add(scope);
        }
        String out = command(settings, 0, args.toArray(String[]::new));
        Matcher key = KEY.matcher(out);
        assertThat(key.find()).as("a key in: " + out).isTrue();
        return key.group(1);
    }

    /** Runs the command, checks its exit status and returns what it printed (standard output, then standard error). */
    static String command(Map<String, String> settings, int expectedStatus, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ApiKeysCommand.run(List.of(args), settings, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status of " + List.of(args) + ": " + printed).isEqualTo(expectedStatus);
        return printed;
    }

    HttpResponse<String> get(String path, String key) throws Exception {
        return send(request(path, key).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A request to the path with the key (none when null) in X-API-Key. */
    HttpRequest.Builder request(String path, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(20));
        if (key != null) {
            request.header(ApiHeaders.API_KEY, key);
        }
        return request;
    }

    /** Waits (up to 30 s) until a portal change is no longer PENDING or WRITING_BACK and returns its status document. */
    JsonNode awaitChangeEnd(long changeId, String key) throws Exception {
        JsonNode status = null;
        for (java.time.Instant until = java.time.Instant.now().plusSeconds(30); java.time.Instant.now().isBefore(until); Thread.sleep(100)) {
            status = JSON.readTree(get("/api/v1/changes/" + changeId, key).body());
            if (!List.of("PENDING", "WRITING_BACK").contains(status.get("status").asText())) {
                break;
            }
        }
        return status;
    }

    private static final ObjectMapper JSON = new ObjectMapper();
}
