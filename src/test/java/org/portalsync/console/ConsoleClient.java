package org.portalsync.console;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A plain HTTP client of the console, without a browser: it follows no redirect and keeps the cookie it is told to. */
public final class ConsoleClient {

    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    private final HttpClient http = org.portalsync.testing.TestHttp.builder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String base;
    String cookie;

    public ConsoleClient(String base) {
        this.base = base;
    }

    public HttpResponse<String> get(String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @param fields name, value, name, value...; origin null sends neither Origin nor Referer */
    public HttpResponse<String> post(String path, String origin, String... fields) throws Exception {
        String form = Stream.iterate(0, i -> i < fields.length, i -> i + 2)
                .map(i -> URLEncoder.encode(fields[i], StandardCharsets.UTF_8) + "=" + URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (origin != null) {
            request.header("Origin", origin);
        }
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> signIn(String user, String password) throws Exception {
        HttpResponse<String> response = post("/console/login", base, "username", user, "password", password);
        response.headers().firstValue("Set-Cookie").ifPresent(set -> cookie = set.substring(0, set.indexOf(';')));
        return response;
    }

    public String csrf() throws Exception {
        Matcher token = CSRF.matcher(get("/console").body());
        if (!token.find()) {
            throw new IllegalStateException("no CSRF token on the overview");
        }
        return token.group(1);
    }

    public String base() {
        return base;
    }
}
