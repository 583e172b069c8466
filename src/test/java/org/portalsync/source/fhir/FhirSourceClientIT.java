package org.portalsync.source.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.io.CloseMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.audit.AuditTrail;
import org.portalsync.auth.ClientCredentialsTokenSource;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;

/** The FHIR source's HTTP connections: read on the caller's thread, and given back to the pool whatever the answer. */
class FhirSourceClientIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    /** More than the pool holds: a connection kept by a failure would leave none for the last request. */
    private static final int MORE_THAN_THE_POOL = 45;

    private final CloseableHttpClient ehrHttp = EhrHttpClients.pooled(Duration.ofSeconds(2), Duration.ofSeconds(30));
    private PortalDatabase database;
    private FaultInjectingProxy proxy;
    private AuditTrail audit;
    private ClientCredentialsTokenSource tokens;
    private FhirSourceClient client;

    @BeforeEach
    void setUp() {
        database = TestDatabases.fresh("h2");
        audit = new AuditTrail(database);
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        tokens = new ClientCredentialsTokenSource(HttpClient.newHttpClient(), EHR.tokenUrl(),
                EHR.clientId(), EHR.clientSecret(), "client_secret_basic", "system/Patient.read", Duration.ofSeconds(60),
                Duration.ofSeconds(10), Clock.systemUTC(), audit, "test_service");
        tokens.accessToken();
        client = new FhirSourceClient(ehrHttp, proxy.baseUrl() + "/fhir", tokens, audit, "test_service", Duration.ofSeconds(30),
                Duration.ofSeconds(5), Clock.systemUTC());
    }

    @AfterEach
    void tearDown() throws Exception {
        ehrHttp.close(CloseMode.GRACEFUL);
        proxy.close();
        database.close();
    }

    @Test
    void pagesAreReadOnTheCallingThreadWithNoHttpClientThreadsOfTheirOwn() {
        EHR.seedPatients(3, 10901);
        // straight to the EHR: the fault proxy forwards with a JDK client of its own
        FhirSourceClient direct = new FhirSourceClient(ehrHttp, EHR.fhirBaseUrl(), tokens, audit, "test_service",
                Duration.ofSeconds(30), Duration.ofSeconds(5), Clock.systemUTC());
        Set<String> before = threadNames();

        String next = EHR.fhirBaseUrl() + "/Patient?_count=1&_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-10901";
        int pages = 0;
        while (next != null) {
            next = FhirBundleReader.read(next, direct.get(next, "Patient.search").body()).nextUrl();
            pages++;
        }

        assertThat(pages).isEqualTo(3);
        // the JDK's client ran a selector thread and handed each answer to worker threads: CPU that grew with the sync
        assertThat(threadNames()).filteredOn(name -> !before.contains(name)).noneMatch(name -> name.startsWith("HttpClient-"));
    }

    @Test
    void pagesAreAskedForGzippedAndReadAsTheSameEntriesAsPlainOnes() {
        EHR.seedPatients(4, 10951);
        String search = "/Patient?_count=2&_sort=_lastUpdated&_tag=" + SandboxEhr.SEED_TAG_SYSTEM + "%7Cseed-10951";
        FhirSourceClient direct = new FhirSourceClient(ehrHttp, EHR.fhirBaseUrl(), tokens, audit, "test_service",
                Duration.ofSeconds(30), Duration.ofSeconds(5), Clock.systemUTC());

        // straight to the EHR, which answers gzipped when asked; the proxy asks upstream for plain bodies
        List<String> gzipped = entryIds(direct, EHR.fhirBaseUrl() + search);
        List<String> plain = entryIds(client, proxy.baseUrl() + "/fhir" + search);

        assertThat(gzipped).hasSize(4).isEqualTo(plain);
        assertThat(proxy.requests()).isNotEmpty().allSatisfy(request -> assertThat(request.header("Accept-Encoding")).contains("gzip"));
    }

    /** A compression bomb: 64 KiB on the wire that inflate past the most an answer may hold. */
    @Test
    void anAnswerThatInflatesPastTheLimitFailsItsRequestInsteadOfFillingTheHeap() throws Exception {
        java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(compressed)) {
            gzip.write("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[]".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i <= FhirSourceClient.MAX_ANSWER_BYTES >> 20; i++) {
                gzip.write(spaces);
            }
            gzip.write('}');
        }
        byte[] bomb = compressed.toByteArray();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/fhir", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/fhir+json");
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            exchange.sendResponseHeaders(200, bomb.length);
            exchange.getResponseBody().write(bomb);
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir";
            FhirSourceClient bombed = new FhirSourceClient(ehrHttp, base, tokens, audit, "test_service",
                    Duration.ofSeconds(30), Duration.ofSeconds(5), Clock.systemUTC());
            assertThat(bomb.length).isLessThan(1 << 20);

            assertThatThrownBy(() -> bombed.get(base + "/Patient?_count=50", "Patient.search"))
                    .isInstanceOf(EhrServerErrorException.class)
                    .hasMessageContaining("more than 64 MiB (inflated)");
        } finally {
            server.stop(0);
        }
    }

    private static List<String> entryIds(FhirSourceClient client, String first) {
        List<String> ids = new java.util.ArrayList<>();
        String next = first;
        while (next != null) {
            FhirPage page = FhirBundleReader.read(next, client.get(next, "Patient.search").body());
            page.entries().forEach(entry -> ids.add(entry.id()));
            next = page.nextUrl();
        }
        return ids;
    }

    @Test
    void failedAndRefusedRequestsGiveTheirConnectionBack() {
        proxy.failNext(MORE_THAN_THE_POOL, 500, "/fhir/Patient");
        for (int i = 0; i < MORE_THAN_THE_POOL; i++) {
            assertThatThrownBy(() -> client.get(proxy.baseUrl() + "/fhir/Patient?_count=1", "Patient.search"))
                    .isInstanceOf(EhrServerErrorException.class);
        }
        for (int i = 0; i < MORE_THAN_THE_POOL; i++) {
            assertThat(client.get(proxy.baseUrl() + "/fhir/Patient/no-such-patient-10902", "Patient.read").notFound()).isTrue();
        }
        for (int i = 0; i < MORE_THAN_THE_POOL; i++) {
            // a download its reader closes unread, as a failed import does
            try (InputStream unread = client.download(proxy.baseUrl() + "/fhir/Patient?_count=5", "Patient.search",
                    "application/fhir+json")) {
                assertThat(unread).isNotNull();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }

        // with the pool's connections all kept, this would wait for one in vain and time out
        assertThat(client.get(proxy.baseUrl() + "/fhir/Patient?_count=1", "Patient.search").status()).isEqualTo(200);
    }

    private static Set<String> threadNames() {
        List<Thread> threads = List.copyOf(Thread.getAllStackTraces().keySet());
        return threads.stream().map(Thread::getName).collect(Collectors.toSet());
    }
}
