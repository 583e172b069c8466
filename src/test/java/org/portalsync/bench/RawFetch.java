package org.portalsync.bench;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.AdditionalRequestHeadersInterceptor;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.portalsync.auth.ClientAuthentication;
import org.portalsync.auth.ClientSecretAuthentication;
import org.portalsync.auth.PrivateKeyJwtAuthentication;
import org.portalsync.auth.SigningKeys;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.mapping.MapFhirPatient;

/**
 * The physical limit of a poll-based sync: a plain HAPI generic client that pages through the same
 * search the engine sends (same filter, sort, page size, elements, {@code Cache-Control: no-cache},
 * bearer token) and does nothing with the records but count them.
 */
final class RawFetch {

    private final String fhirBaseUrl;
    private final String tokenUrl;
    private final String clientId;
    private final String clientSecret;
    private final String privateKeyFile;
    private final String keyId;
    private final String searchUrl;
    private final FhirContext context;

    /** @param settings the engine's settings ({@code portal-sync.*}), so both read exactly the same */
    RawFetch(Map<String, String> settings) {
        this.fhirBaseUrl = settings.get(PortalSyncSettings.FHIR_BASE_URL);
        this.tokenUrl = settings.get(PortalSyncSettings.AUTH_TOKEN_URL);
        this.clientId = settings.get(PortalSyncSettings.AUTH_CLIENT_ID);
        this.clientSecret = settings.get(PortalSyncSettings.AUTH_CLIENT_SECRET);
        this.privateKeyFile = settings.get(PortalSyncSettings.AUTH_PRIVATE_KEY_FILE);
        this.keyId = settings.getOrDefault(PortalSyncSettings.AUTH_KEY_ID, "");
        int pageSize = Integer.parseInt(settings.getOrDefault(PortalSyncSettings.FHIR_PAGE_SIZE, "50"));
        this.searchUrl = fhirBaseUrl + "/Patient?" + encodeQuery(settings.getOrDefault(PortalSyncSettings.FHIR_PATIENT_SEARCH, ""))
                + "_sort=_lastUpdated&_count=" + pageSize + "&_elements=" + MapFhirPatient.MAPPED_ELEMENTS;
        this.context = FhirContext.forR4Cached();
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        context.getRestfulClientFactory().setSocketTimeout(120_000);
    }

    /**
     * Gets a token, then reads pages to the end or until {@code limit} entries.
     *
     * @return entries read
     */
    long run(long limit) throws Exception {
        IGenericClient client = context.newRestfulGenericClient(fhirBaseUrl);
        String token = token();
        if (token != null) {
            client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        }
        AdditionalRequestHeadersInterceptor noCache = new AdditionalRequestHeadersInterceptor();
        noCache.addHeaderValue("Cache-Control", "no-cache");
        client.registerInterceptor(noCache);

        Bundle page = client.search().byUrl(searchUrl).returnBundle(Bundle.class).execute();
        long entries = page.getEntry().size();
        while (entries < limit && page.getLink(Bundle.LINK_NEXT) != null) {
            page = client.loadPage().next(page).execute();
            entries += page.getEntry().size();
        }
        return entries;
    }

    /**
     * @return a bearer token from the token endpoint, or null when the server takes requests without one. The client
     *     authenticates as the engine does: with its private key (private_key_jwt) when the settings name one, else
     *     with its secret (client_secret_basic).
     */
    String token() throws Exception {
        if (tokenUrl == null || tokenUrl.isBlank()) {
            return null;
        }
        ClientAuthentication authentication = privateKeyFile == null || privateKeyFile.isBlank()
                ? new ClientSecretAuthentication(clientId, clientSecret, ClientSecretAuthentication.BASIC)
                : new PrivateKeyJwtAuthentication(clientId, new SigningKeys(Path.of(privateKeyFile), keyId, ""), Clock.systemUTC());
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("scope", "system/Patient.read");
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(tokenUrl)).header("Content-Type", "application/x-www-form-urlencoded");
        authentication.authenticate(URI.create(tokenUrl), form, builder);
        StringBuilder body = new StringBuilder();
        form.forEach((name, value) -> body.append(body.length() == 0 ? "" : "&").append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("token endpoint answered HTTP " + response.statusCode() + ": " + response.body());
        }
        JsonNode token = new ObjectMapper().readTree(response.body()).get("access_token");
        if (token == null) {
            throw new IllegalStateException("no access_token in " + response.body());
        }
        return token.asText();
    }

    /** name=value pairs with the values URL-encoded, as the engine sends them; ends with '&' unless empty. */
    private static String encodeQuery(String search) {
        StringBuilder query = new StringBuilder();
        for (String pair : search.split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                query.append(pair, 0, equals).append('=')
                        .append(URLEncoder.encode(pair.substring(equals + 1), StandardCharsets.UTF_8)).append('&');
            }
        }
        return query.toString();
    }
}
