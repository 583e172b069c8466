package org.portalsync.auth;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** {@code client_secret_basic} or {@code client_secret_post} (RFC 6749 section 2.3.1). */
public record ClientSecretAuthentication(String clientId, String clientSecret, String method) implements ClientAuthentication {

    public static final String BASIC = "client_secret_basic";
    public static final String POST = "client_secret_post";

    @Override
    public void authenticate(URI tokenUrl, Map<String, String> form, HttpRequest.Builder request) {
        if (POST.equals(method)) {
            form.put("client_id", clientId);
            form.put("client_secret", clientSecret);
        } else {
            // RFC 6749 section 2.3.1: both parts form-encoded before Base64
            String pair = encode(clientId) + ":" + encode(clientSecret);
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ClientSecretAuthentication[" + clientId + ", " + method + "]";
    }
}
