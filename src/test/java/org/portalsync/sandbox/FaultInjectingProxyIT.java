package org.portalsync.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each fault the proxy offers, observed over real HTTP against the shared sandbox EHR. */
class FaultInjectingProxyIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final IParser JSON = FhirContext.forR4Cached().newJsonParser();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PATIENTS = "/fhir/Patient";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FaultInjectingProxy proxy;
    private String token;

    @BeforeEach
    void startProxy() throws Exception {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        token = token(http);
        proxy.reset();
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    @Test
    void forwardsRequestsAndRewritesNextLinksToItself() throws Exception {
        List<String> seeded = EHR.seedPatients(25, 9201L);
        List<String> paged = new ArrayList<>();
        String url = proxy.baseUrl() + PATIENTS + "?_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-9201&_count=10";
        while (url != null) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + token)
                    .header("Cache-Control", "no-cache")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).doesNotContain(EHR.fhirBaseUrl());
            Bundle page = JSON.parseResource(Bundle.class, response.body());
            page.getEntry().forEach(e -> paged.add(e.getResource().getIdElement().getIdPart()));
            url = page.getLink(Bundle.LINK_NEXT) == null ? null : page.getLink(Bundle.LINK_NEXT).getUrl();
            if (url != null) {
                assertThat(url).startsWith(proxy.baseUrl() + "/fhir");
            }
        }

        assertThat(paged).hasSize(25).doesNotHaveDuplicates();
        assertThat(new HashSet<>(paged)).isEqualTo(new HashSet<>(seeded));
        assertThat(proxy.requestCount()).isEqualTo(3);
        assertThat(proxy.requestLog()).first().asString().startsWith("GET /fhir/Patient?_tag=");
        assertThat(proxy.requests()).allSatisfy(r -> {
            assertThat(r.header("authorization")).isEqualTo("Bearer " + token);
            assertThat(r.header("Cache-Control")).isEqualTo("no-cache");
        });
    }

    @Test
    void forwardsPostBodiesAndRewritesLocationHeaders() throws Exception {
        String body = JSON.encodeResourceToString(new SandboxPatientGenerator(9202L).next());
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(proxy.baseUrl() + PATIENTS))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location"))
                .hasValueSatisfying(v -> assertThat(v).startsWith(proxy.baseUrl() + "/fhir/Patient/"));
        String id = URI.create(created.headers().firstValue("Location").orElseThrow()).getPath().split("/")[3];
        Patient stored = EHR.adminClient().read().resource(Patient.class).withId(id).execute();
        assertThat(stored.getIdentifierFirstRep().getValue()).isEqualTo(
                JSON.parseResource(Patient.class, body).getIdentifierFirstRep().getValue());
        assertThat(proxy.requests().get(0).body()).isEqualTo(body);
    }

    @Test
    void failNextAnswersWithTheStatusThenRecovers() throws Exception {
        proxy.failNext(2, 503, PATIENTS);

        // The token endpoint does not match the path filter, so it is not affected.
        assertThat(token(proxiedTokenUrl(), http)).isNotBlank();
        HttpResponse<String> first = getPatients(http);
        HttpResponse<String> second = getPatients(http);
        HttpResponse<String> third = getPatients(http);

        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(JSON.parseResource(OperationOutcome.class, first.body()).getIssueFirstRep().getDiagnostics())
                .contains("503");
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(proxy.requestCount()).isEqualTo(4);
    }

    @Test
    void failNextWithoutAPathFilterHitsAnyRequest() throws Exception {
        proxy.failNext(1, 500);

        HttpResponse<String> tokenResponse = postToken(http);

        assertThat(tokenResponse.statusCode()).isEqualTo(500);
        assertThat(postToken(http).statusCode()).isEqualTo(200);
    }

    @Test
    void rateLimitNextAnswers429WithRetryAfter() throws Exception {
        proxy.rateLimitNext(1, 7, PATIENTS);

        HttpResponse<String> limited = getPatients(http);
        HttpResponse<String> next = getPatients(http);

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(next.statusCode()).isEqualTo(200);
    }

    @Test
    void delayNextHoldsTheRequestBackOnce() throws Exception {
        proxy.delayNext(1, Duration.ofMillis(1_500), PATIENTS);
        HttpRequest impatient = HttpRequest.newBuilder(URI.create(proxy.baseUrl() + PATIENTS + "?_count=1"))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofMillis(300))
                .build();

        assertThatThrownBy(() -> http.send(impatient, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
    }

    @Test
    void delayAllSlowsEveryRequestUntilTurnedOff() throws Exception {
        proxy.delayAll(Duration.ofMillis(300));

        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            assertThat(getPatients(http).statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
        proxy.delayAll(Duration.ZERO);
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
        assertThat(proxy.requestCount()).isEqualTo(3);
    }

    @Test
    void dropNextClosesTheConnectionWithoutAResponse() throws Exception {
        proxy.dropNext(1, PATIENTS);

        URI base = URI.create(proxy.baseUrl());
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + PATIENTS + "?_count=1 HTTP/1.1\r\nHost: " + base.getAuthority()
                    + "\r\nAuthorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(socket.getInputStream().read()).as("no response byte before EOF").isEqualTo(-1);
        }
        assertThat(proxy.requestCount()).isEqualTo(1);
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
    }

    @Test
    void droppedConnectionsSurfaceAsIOExceptionOnceTheClientStopsRetrying() throws Exception {
        // java.net.http retries an idempotent request once when the connection closes before any
        // response byte (Apache HttpClient's default retry strategy does too), so one drop is
        // invisible to such a client; two in a row are not.
        proxy.dropNext(2, PATIENTS);

        assertThatThrownBy(() -> getPatients(http)).isInstanceOf(IOException.class);
        assertThat(proxy.requestCount()).isEqualTo(2);
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
    }

    @Test
    void rewriteNextBodyEditsOneUpstreamResponse() throws Exception {
        EHR.seedPatients(3, 9203L);
        String search = PATIENTS + "?_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-9203";
        proxy.rewriteNextBody(1, body -> body.replaceFirst(
                "\"resourceType\":\"Patient\"", "\"resourceType\":\"Patient\",\"birthDate\":\"not-a-date\""), PATIENTS);

        HttpResponse<String> edited = get(http, search);
        HttpResponse<String> untouched = get(http, search);

        assertThat(edited.statusCode()).isEqualTo(200);
        assertThat(edited.body()).contains("\"birthDate\":\"not-a-date\"");
        assertThat(untouched.body()).doesNotContain("not-a-date");
        assertThat(JSON.parseResource(Bundle.class, untouched.body()).getEntry()).hasSize(3);
    }

    @Test
    void failEveryHitsOnePageOfAPagedSearchUntilStoppedAndResponsesAreRecorded() throws Exception {
        EHR.seedPatients(25, 9204L);
        proxy.failEvery(503, "_getpagesoffset=10&");

        HttpResponse<String> first = get(http, PATIENTS + "?_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-9204&_count=10");
        String second = JSON.parseResource(Bundle.class, first.body()).getLink(Bundle.LINK_NEXT).getUrl();
        assertThat(second).contains("_getpagesoffset=10&");
        assertThat(getUrl(second).statusCode()).isEqualTo(503);
        assertThat(getUrl(second).statusCode()).as("still failing, however often it is retried").isEqualTo(503);
        proxy.stopFailing();
        HttpResponse<String> recovered = getUrl(second);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(recovered.statusCode()).isEqualTo(200);
        assertThat(proxy.responses()).as("forwarded responses only, as the client got them")
                .extracting(FaultInjectingProxy.RecordedResponse::body).containsExactly(first.body(), recovered.body());
        assertThat(proxy.responses().get(1).pathAndQuery()).isEqualTo(URI.create(second).getRawPath() + "?" + URI.create(second).getRawQuery());
        proxy.failEvery(500, "_count=1");
        proxy.reset();
        assertThat(proxy.responses()).isEmpty();
        assertThat(getPatients(http).statusCode()).as("reset ends failEvery").isEqualTo(200);
    }

    @Test
    void downDropsEverythingUntilUp() throws Exception {
        proxy.down();

        assertThatThrownBy(() -> postToken(http)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> getPatients(http)).isInstanceOf(IOException.class);

        proxy.up();
        assertThat(postToken(http).statusCode()).isEqualTo(200);
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
    }

    @Test
    void downWithStatusAnswersEveryRequestWithIt() throws Exception {
        proxy.down(503);

        assertThat(postToken(http).statusCode()).isEqualTo(503);
        assertThat(getPatients(http).statusCode()).isEqualTo(503);

        proxy.up();
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
    }

    @Test
    void resetClearsQueuedFaultsAndTheLog() throws Exception {
        proxy.failNext(5, 500);
        proxy.rateLimitNext(5, 1);
        assertThat(getPatients(http).statusCode()).isEqualTo(500);

        proxy.reset();

        assertThat(proxy.requestCount()).isZero();
        assertThat(proxy.requestLog()).isEmpty();
        assertThat(getPatients(http).statusCode()).isEqualTo(200);
        assertThat(proxy.requestLog()).containsExactly("GET /fhir/Patient?_count=1");
    }

    private HttpResponse<String> getPatients(HttpClient client) throws IOException, InterruptedException {
        return get(client, PATIENTS + "?_count=1");
    }

    private HttpResponse<String> getUrl(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(HttpClient client, String pathAndQuery) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create(proxy.baseUrl() + pathAndQuery))
                .header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String proxiedTokenUrl() {
        return proxy.baseUrl() + URI.create(EHR.tokenUrl()).getPath();
    }

    private HttpResponse<String> postToken(HttpClient client) throws IOException, InterruptedException {
        return postToken(proxiedTokenUrl(), client);
    }

    private String token(HttpClient client) throws IOException, InterruptedException {
        return token(EHR.tokenUrl(), client);
    }

    private String token(String tokenUrl, HttpClient client) throws IOException, InterruptedException {
        HttpResponse<String> response = postToken(tokenUrl, client);
        assertThat(response.statusCode()).isEqualTo(200);
        return MAPPER.readTree(response.body()).path("access_token").asText();
    }

    private static HttpResponse<String> postToken(String tokenUrl, HttpClient client)
            throws IOException, InterruptedException {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(EHR.clientId(), StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(EHR.clientSecret(), StandardCharsets.UTF_8);
        return client.send(HttpRequest.newBuilder(URI.create(tokenUrl))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
