package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.source.fhir.FhirServerCapabilities;
import org.slf4j.LoggerFactory;

/**
 * The poll adapts to what the EHR's CapabilityStatement says it supports. The real sandbox (HAPI FHIR
 * JPA) supports everything; a restricted statement is the sandbox's own, edited on its way through
 * the proxy: no type-level history, and a list of result parameters without {@code _sort}.
 */
class FhirCapabilityIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String METADATA = "/fhir/metadata";

    private FaultInjectingProxy proxy;
    private TestEngine engine;
    private ListAppender<ILoggingEvent> log;

    @BeforeEach
    void start() {
        proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
        log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(FhirServerCapabilities.class)).addAppender(log);
    }

    @AfterEach
    void stop() throws Exception {
        ((Logger) LoggerFactory.getLogger(FhirServerCapabilities.class)).detachAppender(log);
        if (engine != null) {
            engine.close();
        }
        proxy.close();
    }

    /** The sandbox's statement as a server would write it that has no type-level history and does not sort. */
    private static String restricted(String body) {
        FhirContext fhir = FhirContext.forR4Cached();
        CapabilityStatement statement = fhir.newJsonParser().parseResource(CapabilityStatement.class, body);
        var rest = statement.getRestFirstRep();
        rest.getResource().stream().filter(r -> r.getType().equals("Patient")).findFirst().orElseThrow()
                .getInteraction().removeIf(i -> i.getCode() == TypeRestfulInteraction.HISTORYTYPE);
        rest.addSearchParam().setName("_count").setType(SearchParamType.NUMBER);
        rest.addSearchParam().setName("_elements").setType(SearchParamType.STRING);
        return fhir.newJsonParser().encodeResourceToString(statement);
    }

    private TestEngine startEngine(long seed, Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
        settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "10");
        settings.putAll(extra);
        engine = TestEngine.start(settings);
        return engine;
    }

    private List<String> requests(String pathContains) {
        return proxy.requestLog().stream().filter(request -> request.contains(pathContains)).toList();
    }

    private List<String> warnings() {
        return log.list.stream().filter(event -> event.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Test
    void theSandboxSupportsEverythingThePollUses() throws Exception {
        EHR.seedPatients(12, 7821);
        startEngine(7821, Map.of());

        engine.poll();
        engine.poll();

        assertThat(warnings()).isEmpty();
        assertThat(requests(METADATA)).hasSize(1);
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'CapabilityStatement.read' AND result = 'success'"))
                .isEqualTo(1);
        assertThat(requests("/fhir/Patient?")).allSatisfy(search -> assertThat(search).contains("_elements="))
                .anySatisfy(search -> assertThat(search).contains("_sort=_lastUpdated"));
        assertThat(requests("/fhir/Patient/_history")).as("the second poll sweeps deletions").isNotEmpty();
    }

    @Test
    void withoutHistoryAndSortThePollMakesNoHistoryRequestSendsNoSortAndSaysSoOnce() throws Exception {
        int patients = EHR.seedPatients(35, 7822).size();
        proxy.rewriteNextBody(1, FhirCapabilityIT::restricted, METADATA);
        startEngine(7822, Map.of());
        proxy.delayNext(1, java.time.Duration.ZERO, "/fhir"); // the first page goes through
        proxy.failNext(4, 503, "/fhir"); // the second page (a next link) fails, and so do its three retries

        String failed = engine.poll();

        assertThat(failed).contains("poll stopped early");
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("the first page is committed").isEqualTo(10);
        assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark"))
                .as("unsorted, the mark waits for the end of the feed").isZero();

        engine.poll();
        EHR.adminClient().delete().resourceById("Patient", engine.rows("SELECT source_id FROM portal_patient").get(0)
                .get("source_id").toString()).execute();
        engine.poll();

        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(patients);
        assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark WHERE feed = 'Patient'")).isEqualTo(1);
        assertThat(requests("_history")).as("no deletion sweep").isEmpty();
        assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE resource LIKE '%_history%'")).isZero();
        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE archived = TRUE"))
                .as("a deletion is seen only through a 410 or active=false now").isZero();
        assertThat(requests("/fhir/Patient?")).as("one search per poll; its next pages are links").hasSize(3)
                .allSatisfy(search -> assertThat(search).doesNotContain("_sort").contains("_elements="));
        assertThat(warnings()).singleElement().asString()
                .contains("CapabilityStatement").contains("fallbacks in use")
                .contains("history-type").contains("no deletion sweep")
                .contains("_sort=_lastUpdated").contains("end of each poll")
                .doesNotContain("_elements:");
    }

    @Test
    void anEhrDownAtStartUpDoesNotStopTheEngineAndIsCheckedAgainAtTheNextPoll() throws Exception {
        int patients = EHR.seedPatients(8, 7823).size();
        proxy.down();
        startEngine(7823, Map.of());
        assertThat(warnings()).singleElement().asString().startsWith("Could not read the EHR's CapabilityStatement")
                .contains("reading it again at the next poll");

        proxy.reset(); // up again, with a clean request log
        proxy.rewriteNextBody(1, FhirCapabilityIT::restricted, METADATA);
        engine.poll();
        engine.poll();

        assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(patients);
        assertThat(requests(METADATA)).as("read again at the first poll, then known").hasSize(1);
        assertThat(proxy.requestLog().get(1)).as("before the search (after the token)").isEqualTo("GET " + METADATA);
        assertThat(requests("_history")).isEmpty();
        assertThat(requests("/fhir/Patient?")).allSatisfy(search -> assertThat(search).doesNotContain("_sort"));
        assertThat(warnings()).hasSize(2).last().asString().contains("history-type");
    }
}
