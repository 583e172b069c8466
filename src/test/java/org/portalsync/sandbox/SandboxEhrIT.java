package org.portalsync.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** The sandbox EHR behaves like a token-protected production FHIR server, over real HTTP. */
class SandboxEhrIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final IParser JSON = FhirContext.forR4Cached().newJsonParser();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void rejectsFhirRequestsWithoutAValidToken() throws Exception {
        HttpResponse<String> none = get(EHR.fhirBaseUrl() + "/Patient?_count=1", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        OperationOutcome outcome = JSON.parseResource(OperationOutcome.class, none.body());
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.LOGIN);

        HttpResponse<String> forged = get(EHR.fhirBaseUrl() + "/Patient?_count=1", "not-a-token-we-issued");
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));

        HttpResponse<String> metadata = get(EHR.fhirBaseUrl() + "/metadata", null);
        assertThat(metadata.statusCode()).isEqualTo(401);
    }

    @Test
    void issuesTokensForClientSecretBasic() throws Exception {
        int before = EHR.tokensIssued();
        HttpResponse<String> response = tokenRequest(basic(EHR.clientId(), EHR.clientSecret()), "grant_type=client_credentials");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode token = MAPPER.readTree(response.body());
        assertThat(token.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(token.path("expires_in").asInt()).isEqualTo(3600);
        assertThat(EHR.tokensIssued()).isEqualTo(before + 1);
        assertThat(get(EHR.fhirBaseUrl() + "/Patient?_count=1", token.path("access_token").asText()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void issuesTokensForClientSecretPost() throws Exception {
        HttpResponse<String> response = tokenRequest(null, form(
                "grant_type", "client_credentials", "client_id", EHR.clientId(), "client_secret", EHR.clientSecret(),
                "scope", "system/Patient.read"));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode token = MAPPER.readTree(response.body());
        assertThat(token.path("scope").asText()).isEqualTo("system/Patient.read");
        assertThat(get(EHR.fhirBaseUrl() + "/Patient?_count=1", token.path("access_token").asText()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void rejectsWrongClientCredentialsWithInvalidClient() throws Exception {
        int before = EHR.tokensIssued();
        HttpResponse<String> wrongBasic = tokenRequest(basic(EHR.clientId(), "wrong"), "grant_type=client_credentials");
        HttpResponse<String> wrongPost = tokenRequest(null,
                form("grant_type", "client_credentials", "client_id", "someone-else", "client_secret", EHR.clientSecret()));
        HttpResponse<String> missing = tokenRequest(null, "grant_type=client_credentials");

        for (HttpResponse<String> r : List.of(wrongBasic, wrongPost, missing)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(MAPPER.readTree(r.body()).path("error").asText()).isEqualTo("invalid_client");
        }
        HttpResponse<String> wrongGrant = tokenRequest(basic(EHR.clientId(), EHR.clientSecret()), "grant_type=password");
        assertThat(wrongGrant.statusCode()).isEqualTo(400);
        assertThat(MAPPER.readTree(wrongGrant.body()).path("error").asText()).isEqualTo("unsupported_grant_type");
        assertThat(EHR.tokensIssued()).isEqualTo(before);
    }

    @Test
    void rejectsTokensAfterExpireAllTokens() throws Exception {
        String token = token();
        assertThat(get(EHR.fhirBaseUrl() + "/Patient?_count=1", token).statusCode()).isEqualTo(200);

        EHR.expireAllTokens();

        HttpResponse<String> expired = get(EHR.fhirBaseUrl() + "/Patient?_count=1", token);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).contains("invalid_token"));
        assertThat(get(EHR.fhirBaseUrl() + "/Patient?_count=1", token()).statusCode()).isEqualTo(200);
    }

    @Test
    void tokensExpireAfterTheConfiguredLifetime() throws Exception {
        EHR.setTokenLifetimeSeconds(1);
        try {
            HttpResponse<String> response = tokenRequest(basic(EHR.clientId(), EHR.clientSecret()), "grant_type=client_credentials");
            JsonNode token = MAPPER.readTree(response.body());
            assertThat(token.path("expires_in").asInt()).isEqualTo(1);

            Thread.sleep(1_100);

            assertThat(get(EHR.fhirBaseUrl() + "/Patient?_count=1", token.path("access_token").asText()).statusCode())
                    .isEqualTo(401);
        } finally {
            EHR.setTokenLifetimeSeconds(3600);
        }
    }

    @Test
    void pagingThroughNextLinksReturnsEverySeededPatientExactlyOnce() throws Exception {
        // More than HAPI's second prefetch threshold (503), so later pages come from a search
        // HAPI has to continue, not from its first prefetched block.
        List<String> seeded = EHR.seedPatients(1_100, 9101L);
        String token = token();

        List<String> paged = new ArrayList<>();
        int pages = 0;
        String url = EHR.fhirBaseUrl() + "/Patient?_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-9101&_count=50";
        while (url != null) {
            HttpResponse<String> response = get(url, token);
            assertThat(response.statusCode()).as(url).isEqualTo(200);
            Bundle page = JSON.parseResource(Bundle.class, response.body());
            assertThat(page.getEntry()).hasSizeLessThanOrEqualTo(50);
            page.getEntry().forEach(e -> paged.add(e.getResource().getIdElement().getIdPart()));
            pages++;
            url = page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
            if (url != null) {
                assertThat(url).startsWith(EHR.fhirBaseUrl());
            }
        }

        assertThat(paged).hasSize(1_100).doesNotHaveDuplicates();
        assertThat(new HashSet<>(paged)).isEqualTo(new HashSet<>(seeded));
        assertThat(pages).isEqualTo(22);
    }

    @Test
    void aRepeatedSearchIsAnsweredFromHapisCacheUnlessItSaysNoCache() throws Exception {
        List<String> ids = EHR.seedPatients(5, 9102L);
        String token = token();
        Instant afterSeeding = Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(5);
        Thread.sleep(20);
        String search = EHR.fhirBaseUrl() + "/Patient?_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-9102"
                + "&_lastUpdated=gt" + afterSeeding + "&_sort=_lastUpdated&_elements=identifier";
        assertThat(JSON.parseResource(Bundle.class, get(search, token).body()).getEntry()).isEmpty();

        Patient patient = EHR.adminClient().read().resource(Patient.class).withId(ids.get(2)).execute();
        patient.getTelecomFirstRep().setValue("(617) 555-0199");
        EHR.adminClient().update().resource(patient).execute();

        // Same search again, within HAPI's reuse window (60 s): the cached answer, "none", as the field guide warns.
        assertThat(JSON.parseResource(Bundle.class, get(search, token).body()).getEntry()).as("stale, from the cache").isEmpty();
        Bundle fresh = JSON.parseResource(Bundle.class, get(search, token, "Cache-Control", "no-cache").body());
        assertThat(fresh.getEntry()).hasSize(1);
        Patient found = (Patient) fresh.getEntryFirstRep().getResource();
        assertThat(found.getIdElement().getIdPart()).isEqualTo(ids.get(2));
        assertThat(found.getIdElement().getVersionIdPartAsLong()).isEqualTo(2L);
        assertThat(found.getIdentifierFirstRep().getSystem()).isEqualTo(SandboxPatientGenerator.MRN_SYSTEM);
        assertThat(found.hasName()).as("_elements=identifier leaves names out").isFalse();
    }

    @Test
    void patientsSeededOneByOneComeInGenerationOrderEachWithItsOwnLastUpdated() throws Exception {
        List<SandboxEhr.SeededPatient> seeded = EHR.seedPatientsOneByOne(30, 9104L);

        for (int i = 1; i < seeded.size(); i++) {
            assertThat(seeded.get(i).lastUpdated()).isAfter(seeded.get(i - 1).lastUpdated());
        }
        String url = EHR.fhirBaseUrl() + "/Patient?_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-9104&_sort=_lastUpdated&_count=10";
        List<String> ids = new ArrayList<>();
        List<Instant> stamps = new ArrayList<>();
        String token = token();
        while (url != null) {
            Bundle page = JSON.parseResource(Bundle.class, get(url, token).body());
            page.getEntry().forEach(e -> {
                ids.add(e.getResource().getIdElement().getIdPart());
                stamps.add(e.getResource().getMeta().getLastUpdated().toInstant());
            });
            url = page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
        }
        assertThat(ids).containsExactlyElementsOf(seeded.stream().map(SandboxEhr.SeededPatient::id).toList());
        assertThat(stamps).containsExactlyElementsOf(seeded.stream().map(SandboxEhr.SeededPatient::lastUpdated).toList());
        SandboxPatientGenerator generator = new SandboxPatientGenerator(9104L);
        assertThat(seeded).allSatisfy(patient ->
                assertThat(patient.defect()).isEqualTo(SandboxPatientGenerator.defectOf(generator.next())));
    }

    @Test
    void deletedPatientReadsGoneAndShowsAsDeleteInHistory() throws Exception {
        Patient created = (Patient) EHR.adminClient().create()
                .resource(new SandboxPatientGenerator(9103L).next()).execute().getResource();
        String id = created.getIdElement().getIdPart();
        Instant since = created.getMeta().getLastUpdated().toInstant();
        String token = token();
        assertThat(get(EHR.fhirBaseUrl() + "/Patient/" + id, token).statusCode()).isEqualTo(200);

        EHR.adminClient().delete().resourceById("Patient", id).execute();

        assertThat(get(EHR.fhirBaseUrl() + "/Patient/" + id, token).statusCode()).isEqualTo(410);
        HttpResponse<String> history = get(EHR.fhirBaseUrl() + "/Patient/_history?_since=" + since + "&_count=100", token);
        assertThat(history.statusCode()).isEqualTo(200);
        Bundle bundle = JSON.parseResource(Bundle.class, history.body());
        Set<String> deletes = new HashSet<>();
        for (Bundle.BundleEntryComponent e : bundle.getEntry()) {
            if (e.getRequest().getMethod() == Bundle.HTTPVerb.DELETE) {
                deletes.add(e.getRequest().getUrl());
            }
        }
        assertThat(deletes).anySatisfy(url -> assertThat(url).matches("Patient/" + id + "(/_history/\\d+)?"));
    }

    private static String token() throws IOException, InterruptedException {
        HttpResponse<String> response = tokenRequest(null, form(
                "grant_type", "client_credentials", "client_id", EHR.clientId(), "client_secret", EHR.clientSecret()));
        assertThat(response.statusCode()).isEqualTo(200);
        return MAPPER.readTree(response.body()).path("access_token").asText();
    }

    private static HttpResponse<String> tokenRequest(String authorization, String form)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(EHR.tokenUrl()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url, String bearer, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/fhir+json");
        if (headers.length > 0) {
            request.headers(headers);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String id, String secret) {
        String pair = URLEncoder.encode(id, StandardCharsets.UTF_8) + ":" + URLEncoder.encode(secret, StandardCharsets.UTF_8);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String form(String... pairs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(URLEncoder.encode(pairs[i], StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return b.toString();
    }
}
