package org.portalsync.source.soap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.metrics.Scrape;
import org.portalsync.sync.TestEngine;

/**
 * The SOAP source of the real engine (routes/soap-patient-poll.yaml, the shipped mapping) against a real HTTP
 * endpoint serving the sample service from test data: paging, WS-Security, a changed record on the next poll, a
 * SOAP Fault, and hostile XML (billion laughs, XXE).
 */
class SoapPatientPollIT {

    private static final String USER = "portal-10790";
    private static final String PASSWORD = "s3cret-10791";

    private static Map<String, String> settings(LegacyPatientService service) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.SOAP_ENABLED, "true");
        settings.put(PortalSyncSettings.SOAP_URL, service.url());
        settings.put(PortalSyncSettings.SOAP_MAPPING, Path.of("config/mappings/soap-legacy-patient.yaml").toAbsolutePath().toString());
        settings.put(PortalSyncSettings.SOAP_PAGE_SIZE, "2");
        settings.put(PortalSyncSettings.SOAP_USERNAME, USER);
        settings.put(PortalSyncSettings.SOAP_PASSWORD, PASSWORD);
        settings.put(PortalSyncSettings.RETRY_FIRST_DELAY, "50");
        return settings;
    }

    private static TestEngine start(LegacyPatientService service) throws Exception {
        TestEngine engine = TestEngine.start(settings(service));
        engine.stopRoute("soap-patient-poll"); // polls run on request below, not on the schedule
        return engine;
    }

    private static LegacyPatientService serviceWithFivePatients() throws Exception {
        LegacyPatientService service = new LegacyPatientService(USER, PASSWORD);
        for (int i = 1; i <= 5; i++) {
            service.records.add(new LegacyPatientService.Record("P-1079" + i, "2024-03-01T12:00:0" + i, "A-1079" + i, "Family" + i, "Given" + i,
                    "1980-01-0" + i, i % 2 == 0 ? "M" : "F"));
        }
        return service;
    }

    @Test
    void pagesThroughEveryRecordAndAChangedRecordUpdatesItsPatientOnTheNextPoll() throws Exception {
        try (LegacyPatientService service = serviceWithFivePatients(); TestEngine engine = start(service)) {
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(service.requests).as("pages 1, 2 and 3 of 2 records").hasSize(3).allSatisfy(request -> assertThat(request)
                    .contains("<wsse:Username>" + USER + "</wsse:Username>").contains("#PasswordText\">" + PASSWORD + "</wsse:Password>"));
            assertThat(engine.rows("SELECT mrn, legal_family FROM portal_patient WHERE source = 'legacy-soap' ORDER BY mrn"))
                    .extracting(row -> row.get("mrn") + " " + row.get("legal_family"))
                    .containsExactly("A-10791 Family1", "A-10792 Family2", "A-10793 Family3", "A-10794 Family4", "A-10795 Family5");

            // the service changes patient 3 (a later LastModified): the next poll updates that patient, adds none
            service.records.set(2, new LegacyPatientService.Record("P-10793", "2024-03-02T08:00:00", "A-10793", "Renamed", "Given3",
                    "1980-01-03", "F"));
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(5);
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE mrn = 'A-10793'")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("legal_family", "Renamed"));
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            // each record of both polls counted in the metrics: five created, then one updated and four unchanged
            Scrape scrape = Scrape.of(engine.managementBaseUrl());
            Map<String, String> patients = Map.of("source", "legacy-soap", "resource_type", "Patient");
            assertThat(scrape.value("portal_sync_records_synced_total", with(patients, "created"))).isEqualTo(5);
            assertThat(scrape.value("portal_sync_records_synced_total", with(patients, "updated"))).isEqualTo(1);
            assertThat(scrape.value("portal_sync_records_synced_total", with(patients, "unchanged"))).isEqualTo(4);
        }
    }

    @Test
    void aSoapFaultIsAClearErrorWithADeadLetterAndAnAlertAndNothingIsStored() throws Exception {
        try (LegacyPatientService service = serviceWithFivePatients(); TestEngine engine = start(service)) {
            service.mode = LegacyPatientService.Mode.FAULT;

            engine.request("direct:soap-patient-poll-run", null);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.rows("SELECT route_id, cause_type, cause_message FROM dead_letter")).singleElement().satisfies(row -> {
                assertThat(row).containsEntry("route_id", "soap-patient-poll-run");
                assertThat((String) row.get("cause_type")).endsWith("SoapFaultException");
                assertThat((String) row.get("cause_message")).contains("SOAP Fault from GetPatients (page 1): soap:Server: Patient index is "
                        + "being rebuilt");
            });
            assertThat(engine.count("SELECT COUNT(*) FROM alert")).isEqualTo(1);
        }
    }

    @Test
    void aServiceThatCannotBeReachedIsDeadLetteredWithoutThePassword() throws Exception {
        try (LegacyPatientService service = serviceWithFivePatients()) {
            Map<String, String> settings = settings(service);
            service.close();
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.stopRoute("soap-patient-poll");
                engine.request("direct:soap-patient-poll-run", null);

                assertThat(engine.rows("SELECT payload, cause_message FROM dead_letter")).singleElement().satisfies(row -> {
                    assertThat((String) row.get("payload")).startsWith("GetPatients page 1").doesNotContain(PASSWORD);
                    assertThat((String) row.get("cause_message")).doesNotContain(PASSWORD);
                });
                assertThat(engine.rows("SELECT message FROM alert")).allSatisfy(row -> assertThat((String) row.get("message"))
                        .doesNotContain(PASSWORD));
            }
        }
    }

    @Test
    void aBillionLaughsOrAnXxeAnswerIsRefusedAndNothingIsStored() throws Exception {
        try (LegacyPatientService service = serviceWithFivePatients(); TestEngine engine = start(service)) {
            service.mode = LegacyPatientService.Mode.BILLION_LAUGHS;
            engine.request("direct:soap-patient-poll-run", null);
            service.mode = LegacyPatientService.Mode.XXE;
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.rows("SELECT cause_type, cause_message FROM dead_letter ORDER BY id")).hasSize(2).allSatisfy(row -> {
                assertThat((String) row.get("cause_type")).endsWith("SoapResponseException");
                assertThat((String) row.get("cause_message")).contains("holds a DOCTYPE declaration, which is refused");
            });
        }
    }

    private static Map<String, String> with(Map<String, String> labels, String outcome) {
        Map<String, String> all = new java.util.HashMap<>(labels);
        all.put("outcome", outcome);
        return all;
    }
}
