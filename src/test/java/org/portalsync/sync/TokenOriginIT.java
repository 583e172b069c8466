package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;

/**
 * The bearer token goes only to the EHR's own origin: a {@code next} link that points elsewhere
 * (edited by the proxy in front of the real sandbox) is refused before anything is sent, and the
 * poll ends in a dead letter and an UNSAFE_LINK alert.
 */
class TokenOriginIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    /** Fault filters match the path: the first request on it is the search's first page. */
    private static final String SEARCH = "/fhir/Patient";
    private static final Pattern NEXT_LINK = Pattern.compile("(\"relation\"\\s*:\\s*\"next\"\\s*,\\s*\"url\"\\s*:\\s*\")([^\"]+)\"");

    private FaultInjectingProxy proxy;
    private HttpServer elsewhere;
    private final List<String> elsewhereRequests = new CopyOnWriteArrayList<>();
    private TestEngine engine;

    @BeforeEach
    void start() throws IOException {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        // another origin on the same machine: it records every request and whether a token came with it
        elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        elsewhere.createContext("/", exchange -> {
            elsewhereRequests.add(exchange.getRequestURI() + " Authorization=" + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        elsewhere.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            engine.close();
        }
        elsewhere.stop(0);
        proxy.close();
    }

    private void seedAndStart(long seed, int patients) throws Exception {
        EHR.seedPatients(patients, seed);
        Map<String, String> settings = new java.util.HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "10");
        engine = TestEngine.start(settings);
    }

    /** Points the first page's next link at {@code origin}, keeping its path and query. */
    private void rewriteNextLinkTo(String origin) {
        proxy.rewriteNextBody(1, body -> {
            Matcher next = NEXT_LINK.matcher(body);
            assertThat(next.find()).as("the first page has a next link").isTrue();
            String link = next.group(2);
            return next.replaceFirst(Matcher.quoteReplacement(next.group(1) + origin + link.substring(proxy.baseUrl().length()) + "\""));
        }, SEARCH);
    }

    private void assertRefusedAfterTheFirstPage(String summary) throws Exception {
        assertThat(summary).contains("poll stopped early: UNSAFE_LINK");
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient") + engine.count(
                "SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE")).as("the first page").isEqualTo(10);
        Map<String, Object> letter = engine.rows("SELECT cause_type, cause_message FROM dead_letter").get(0);
        assertThat((String) letter.get("cause_type")).endsWith("UnsafeLinkException");
        assertThat((String) letter.get("cause_message")).contains("not the EHR's origin " + proxy.baseUrl());
        assertThat(engine.rows("SELECT kind, message FROM alert").get(0)).containsEntry("kind", "UNSAFE_LINK")
                .hasEntrySatisfying("message", message -> assertThat((String) message).endsWith("(after 1 attempt)"));
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE result = 'refused: not the EHR''s origin'"))
                .as("the refusal is audited, once: not retried").isEqualTo(1);
    }

    @Test
    void aNextLinkToAnotherPortIsRefusedAndNothingIsSentThere() throws Exception {
        seedAndStart(7661, 25);
        String other = "http://127.0.0.1:" + elsewhere.getAddress().getPort();
        rewriteNextLinkTo(other);

        String summary = engine.poll();

        assertThat(elsewhereRequests).as("no request, no token").isEmpty();
        assertRefusedAfterTheFirstPage(summary);
    }

    @Test
    void aNextLinkToAnotherHostNameIsRefusedEvenWhenItIsTheSameServer() throws Exception {
        seedAndStart(7662, 25);
        rewriteNextLinkTo(proxy.baseUrl().replace("127.0.0.1", "localhost"));

        String summary = engine.poll();

        assertThat(proxy.requests()).as("the page link was never requested").noneMatch(request -> request.pathAndQuery().contains("_getpages"));
        assertRefusedAfterTheFirstPage(summary);
    }
}
