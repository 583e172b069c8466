package org.portalsync.source.soap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.metrics.Scrape;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.source.hl7v2.MapHl7v2Message;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.TestEngine;

/**
 * The SOAP source of the real engine (routes/soap-patient-poll.yaml, the shipped mapping) against a real HTTP
 * endpoint serving the sample service from test data: paging, WS-Security, a changed record on the next poll, a
 * SOAP Fault, and hostile XML (billion laughs, XXE).
 */
class SoapPatientPollIT {

    private static final String USER = "portal-10790";
    private static final String PASSWORD = "s3cret-10791";
    private static final Path PATIENTS = Path.of("config/mappings/soap-legacy-patient.yaml").toAbsolutePath();
    private static final Path APPOINTMENTS = Path.of("config/mappings/soap-legacy-appointment.yaml").toAbsolutePath();

    private static Map<String, String> settings(LegacyPatientService service) {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.SOAP_ENABLED, "true");
        settings.put(PortalSyncSettings.SOAP_URL, service.url());
        settings.put(PortalSyncSettings.SOAP_MAPPING, PATIENTS.toString());
        settings.put(PortalSyncSettings.SOAP_APPOINTMENT_MAPPING, APPOINTMENTS.toString());
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
                    .contains("<wsse:Username>" + USER + "</wsse:Username>").contains("#PasswordText\">" + PASSWORD + "</wsse:Password>")
                    .as("changed-since is off: a full read").doesNotContain("ChangedSince"));
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
    void aBrokenNewVersionOfTheMappingIsRejectedOnceWithAnAlertAndThePreviousOneServesOn() throws Exception {
        Path mapping = Files.createDirectories(Path.of("target/soap-mapping-" + System.nanoTime()).toAbsolutePath())
                .resolve("soap-legacy-patient.yaml");
        String shipped = Files.readString(PATIENTS);
        Files.writeString(mapping, shipped);
        try (LegacyPatientService service = serviceWithFivePatients()) {
            Map<String, String> settings = settings(service);
            settings.put(PortalSyncSettings.SOAP_MAPPING, mapping.toString());
            settings.put(PortalSyncSettings.SOAP_APPOINTMENT_MAPPING, "");
            try (TestEngine engine = TestEngine.start(settings)) {
                engine.stopRoute("soap-patient-poll");
                engine.request("direct:soap-patient-poll-run", null);
                assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-soap'")).isEqualTo(5);

                // an analyst's edit with a FHIR element that does not exist; meanwhile the service renames patient 1
                Files.writeString(mapping, shipped.replace("target: birthDate", "target: birthDay"));
                int brokenLine = lineOf(shipped, "target: birthDate");
                service.records.set(0, new LegacyPatientService.Record("P-10791", "2024-03-02T08:00:00", "A-10791", "Renamed", "Given1",
                        "1980-01-01", "F"));
                engine.request("direct:soap-patient-poll-run", null);
                engine.request("direct:soap-patient-poll-run", null);

                assertThat(engine.rows("SELECT legal_family, gender FROM portal_patient WHERE mrn = 'A-10791'")).singleElement()
                        .satisfies(row -> assertThat(row).containsEntry("legal_family", "Renamed").containsEntry("gender", "female"))
                        .as("mapped by the previous version");
                assertThat(engine.rows("SELECT message FROM alert WHERE kind = 'SOAP_MAPPING_REJECTED'")).as("once for the broken version")
                        .singleElement().satisfies(row -> assertThat(row.get("message")).asString()
                                .startsWith(mapping + ":" + brokenLine + ": rule 'birthDay'").endsWith("its previous version still serves"));
                assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();

                // fixed, with another table: the next poll maps with it
                Files.writeString(mapping, shipped.replace("sex: {F: female,", "sex: {F: other,"));
                service.records.set(0, new LegacyPatientService.Record("P-10791", "2024-03-03T08:00:00", "A-10791", "Renamed", "Given1",
                        "1980-01-01", "F"));
                engine.request("direct:soap-patient-poll-run", null);
                assertThat(engine.rows("SELECT gender FROM portal_patient WHERE mrn = 'A-10791'")).singleElement()
                        .satisfies(row -> assertThat(row).containsEntry("gender", "other"));
                assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'SOAP_MAPPING_REJECTED'")).isEqualTo(1);
            }
        }
    }

    private static int lineOf(String text, String part) {
        return text.substring(0, text.indexOf(part)).split("\n", -1).length;
    }

    @Test
    void appointmentsInsideThePatientsArriveWithTheirPatientInTheServicesZoneAndUnknownCodesGoToTheDigest() throws Exception {
        LegacyPatientService service = new LegacyPatientService(USER, PASSWORD);
        service.records.add(new LegacyPatientService.Record("P-10821", "2024-03-01T12:00:00", "A-10821", "Lovelace", "Ada", "1915-12-10", "F"));
        service.records.add(new LegacyPatientService.Record("P-10822", "2024-03-01T12:00:00", "A-10822", "Babbage", "Charles", "1791-12-26", "X"));
        service.records.add(new LegacyPatientService.Record("P-10823", "2024-03-01T12:00:00", "A-10823", "Byron", "Ada", "1815-12-10", "F"));
        // on page 1 and on page 2 (two records a page); the second one's status is a word the mapping's table lacks
        service.appointments.put("P-10821", List.of(new LegacyPatientService.Appointment("AP-10821", "2024-03-02T09:00:00",
                "2024-03-08T09:30:00", "2024-03-08T10:00:00", "booked")));
        service.appointments.put("P-10823", List.of(new LegacyPatientService.Appointment("AP-10823", null, "2024-07-08T09:30:00", null,
                "tentative")));
        try (service; TestEngine engine = start(service)) {
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(engine.rows("SELECT a.source, a.source_id, a.status, a.zone, a.start_at, a.end_at, p.mrn FROM portal_appointment a "
                    + "JOIN portal_patient p ON p.id = a.patient_id")).singleElement().satisfies(row -> {
                        assertThat(row).containsEntry("source", "legacy-soap").containsEntry("status", "booked")
                                .containsEntry("zone", "America/New_York").containsEntry("mrn", "A-10821")
                                .containsEntry("source_id", MapHl7v2Message.stableId("legacy-soap", "soap", List.of("AP-10821")));
                        // 09:30 in New York in March 2024 (EST, before the 10th): 14:30 UTC
                        assertThat(instant(row.get("start_at"))).hasToString("2024-03-08T14:30:00Z");
                        assertThat(instant(row.get("end_at"))).hasToString("2024-03-08T15:00:00Z");
                    });
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-soap'")).isEqualTo(3);
            assertThat(engine.rows("SELECT record_ref, problem FROM data_quality_issue WHERE field = 'SOAP unmapped' ORDER BY record_ref"))
                    .extracting(row -> row.get("record_ref") + " " + row.get("problem"))
                    .containsExactlyInAnyOrder(
                            "Appointment/" + MapHl7v2Message.stableId("legacy-soap", "soap", List.of("AP-10823")) + " SOAP GetPatients "
                                    + "record (mapping soap-legacy-appointment): lp:Status: a code not in table status (" + APPOINTMENTS + ":42)",
                            "Patient/" + MapHl7v2Message.stableId("legacy-soap", "soap", List.of("P-10822")) + " SOAP GetPatients "
                                    + "record (mapping soap-legacy-patient): lp:Sex: a code not in table sex (" + PATIENTS + ":35)");
        }
    }

    @Test
    void withChangedSinceTheNextPollAsksOnlyForChangesFromTheMarkLessTheOverlapAndReappliesNothing() throws Exception {
        LegacyPatientService service = new LegacyPatientService(USER, PASSWORD);
        for (int i = 1; i <= 5; i++) {
            // saved at 10:00, 10:10, ... 10:40 New York time (EST): the newest is 15:40 UTC
            service.records.add(new LegacyPatientService.Record("P-1083" + i, "2024-03-01T10:" + (i - 1) + "0:00", "A-1083" + i, "Family" + i,
                    "Given" + i, "1980-01-0" + i, "F"));
        }
        Map<String, String> settings = settings(service);
        settings.put(PortalSyncSettings.SOAP_CHANGED_SINCE, "true");
        settings.put(PortalSyncSettings.SOAP_CHANGED_SINCE_OVERLAP, "5m");
        try (service; TestEngine engine = TestEngine.start(settings)) {
            engine.stopRoute("soap-patient-poll");
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(service.requests).as("the first poll: no mark yet, a full read").hasSize(3)
                    .allSatisfy(request -> assertThat(request).doesNotContain("ChangedSince"));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-soap'")).isEqualTo(5);
            assertThat(mark(engine)).isEqualTo(java.time.Instant.parse("2024-03-01T15:40:00Z"));
            Map<String, Object> before = updatedAt(engine);

            // patient 3 changes at the service between the polls
            service.records.set(2, new LegacyPatientService.Record("P-10833", "2024-03-01T11:00:00", "A-10833", "Renamed", "Given3",
                    "1980-01-03", "F"));
            service.requests.clear();
            engine.request("direct:soap-patient-poll-run", null);

            // 10:40 less the 5 minutes of overlap, with its offset: the changed patient 3 and patient 5 (in the overlap), one page
            assertThat(service.requests).singleElement().asString().contains("<op:ChangedSince>2024-03-01T10:35:00-05:00</op:ChangedSince>");
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE mrn = 'A-10833'")).singleElement()
                    .satisfies(row -> assertThat(row).containsEntry("legal_family", "Renamed"));
            Map<String, Object> after = updatedAt(engine);
            assertThat(after).as("only the changed patient was written; patient 5, read again in the overlap, was not")
                    .containsAllEntriesOf(without(before, "A-10833")).doesNotContainEntry("A-10833", before.get("A-10833"));
            assertThat(mark(engine)).isEqualTo(java.time.Instant.parse("2024-03-01T16:00:00Z"));

            // a poll that fails leaves the mark where it was
            service.mode = LegacyPatientService.Mode.FAULT;
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(mark(engine)).isEqualTo(java.time.Instant.parse("2024-03-01T16:00:00Z"));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-soap'")).isEqualTo(5);
        }
    }

    private static LegacyPatientService serviceWith(int count, String idPrefix) throws Exception {
        LegacyPatientService service = new LegacyPatientService(USER, PASSWORD);
        for (int i = 1; i <= count; i++) {
            String n = String.format("%02d", i);
            service.records.add(new LegacyPatientService.Record("P-" + idPrefix + n, "2024-03-01T12:00:" + n, "A-" + idPrefix + n, "Family" + n,
                    "Given" + n, "1980-01-" + n, "F"));
        }
        return service;
    }

    private static List<String> archivedMrns(TestEngine engine) throws Exception {
        return engine.rows("SELECT mrn FROM portal_patient WHERE source = 'legacy-soap' AND archived = TRUE ORDER BY mrn").stream()
                .map(row -> (String) row.get("mrn")).toList();
    }

    @Test
    void aPatientAFullReadNoLongerListsIsArchivedWithItsDataAndRestoredWhenListedAgain() throws Exception {
        try (LegacyPatientService service = serviceWith(5, "1084"); TestEngine engine = start(service)) {
            engine.request("direct:soap-patient-poll-run", null);
            // a patient of the same source from another feed (an HL7 v2 mapping's ids): never the SOAP service's to delete
            Patient otherFeed = new Patient();
            otherFeed.setId("v2-10849");
            otherFeed.addIdentifier().setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", null)))
                    .setSystem(SandboxPatientGenerator.MRN_SYSTEM).setValue("A-10849");
            otherFeed.addName().setFamily("OtherFeed").addGiven("Ada");
            otherFeed.setBirthDateElement(new DateType("1980-02-01"));
            engine.request("direct:patient-sync", otherFeed, Map.of(SyncHeaders.SOURCE, "legacy-soap"));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-soap' AND archived = FALSE")).isEqualTo(6);

            LegacyPatientService.Record deleted = service.records.remove(1);
            // a poll that fails lists nothing, so it archives nothing
            service.mode = LegacyPatientService.Mode.FAULT;
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(archivedMrns(engine)).isEmpty();
            service.mode = LegacyPatientService.Mode.NORMAL;
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(archivedMrns(engine)).containsExactly(deleted.mrn());
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE mrn = ?", deleted.mrn()).get(0))
                    .as("archived, its data kept").containsEntry("legal_family", deleted.family());
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.archive'")).isEqualTo(1);
            Scrape scrape = Scrape.of(engine.managementBaseUrl());
            assertThat(scrape.value("portal_sync_records_synced_total", with(Map.of("source", "legacy-soap", "resource_type", "Patient"),
                    "archived"))).isEqualTo(1);

            // the next full read archives nothing more; the record listed again, unchanged, is restored
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalPatient.archive'")).isEqualTo(1);
            service.records.add(1, deleted);
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(archivedMrns(engine)).isEmpty();
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'SOAP_DELETIONS_HELD'")).isZero();
        }
    }

    private static String appointmentId(String serviceId) {
        return MapHl7v2Message.stableId("legacy-soap", "soap", List.of(serviceId));
    }

    /** The portal's appointments of the source, each as "service id: deleted|in view". */
    private static List<String> appointmentViews(TestEngine engine, List<String> serviceIds) throws Exception {
        List<String> views = new java.util.ArrayList<>();
        for (String serviceId : serviceIds) {
            Map<String, Object> row = engine.rows("SELECT deleted_at FROM portal_appointment WHERE source = 'legacy-soap' AND source_id = ?",
                    appointmentId(serviceId)).get(0);
            views.add(serviceId + ": " + (row.get("deleted_at") == null ? "in view" : "deleted"));
        }
        return views;
    }

    @Test
    void anUpcomingAppointmentItsRecordNoLongerListsLeavesThePatientsViewAndComesBackWhenListedAgain() throws Exception {
        LegacyPatientService service = new LegacyPatientService(USER, PASSWORD);
        service.records.add(new LegacyPatientService.Record("P-11131", "2024-03-01T12:00:00", "A-11131", "Hopper", "Grace", "1906-12-09", "F"));
        service.records.add(new LegacyPatientService.Record("P-11132", "2024-03-01T12:00:00", "A-11132", "Turing", "Alan", "1912-06-23", "M"));
        // the service lists each patient's upcoming appointments; the past one is still listed on the first read
        LegacyPatientService.Appointment kept = new LegacyPatientService.Appointment("AP-11131", null, "2030-05-06T09:00:00", null, "booked");
        LegacyPatientService.Appointment deleted = new LegacyPatientService.Appointment("AP-11132", null, "2030-06-03T10:00:00", null, "booked");
        LegacyPatientService.Appointment past = new LegacyPatientService.Appointment("AP-11133", null, "2024-03-08T09:30:00", null, "completed");
        LegacyPatientService.Appointment otherPatient = new LegacyPatientService.Appointment("AP-11134", null, "2030-05-07T11:00:00", null,
                "booked");
        service.appointments.put("P-11131", new java.util.ArrayList<>(List.of(kept, deleted, past)));
        service.appointments.put("P-11132", List.of(otherPatient));
        List<String> all = List.of("AP-11131", "AP-11132", "AP-11133", "AP-11134");
        try (service; TestEngine engine = start(service)) {
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(appointmentViews(engine, all)).containsExactly("AP-11131: in view", "AP-11132: in view", "AP-11133: in view",
                    "AP-11134: in view");

            // the service deletes one upcoming appointment; the past one leaves the list by time, not by deletion
            service.appointments.put("P-11131", List.of(kept));
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(appointmentViews(engine, all)).containsExactly("AP-11131: in view", "AP-11132: deleted", "AP-11133: in view",
                    "AP-11134: in view");
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalAppointment.delete'")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();

            // the next read removes nothing more; the appointment listed again, unchanged, comes back into view
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'PortalAppointment.delete'")).isEqualTo(1);
            service.appointments.put("P-11131", List.of(kept, deleted));
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(appointmentViews(engine, all)).containsExactly("AP-11131: in view", "AP-11132: in view", "AP-11133: in view",
                    "AP-11134: in view");
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'SOAP_DELETIONS_HELD'")).isZero();
        }
    }

    @Test
    void aRecordThatNoLongerListsMoreAppointmentsThanAPageMayRemoveRemovesNoneAndRaisesAnAlert() throws Exception {
        LegacyPatientService service = new LegacyPatientService(USER, PASSWORD);
        service.records.add(new LegacyPatientService.Record("P-11141", "2024-03-01T12:00:00", "A-11141", "Hopper", "Grace", "1906-12-09", "F"));
        List<LegacyPatientService.Appointment> six = new java.util.ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            six.add(new LegacyPatientService.Appointment("AP-1114" + i, null, "2030-05-0" + i + "T09:00:00", null, "booked"));
        }
        service.appointments.put("P-11141", six);
        try (service; TestEngine engine = start(service)) {
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE deleted_at IS NULL")).isEqualTo(6);

            // the record comes without its appointments (the service's appointment list broke): 6 gone, a page may remove 5
            service.appointments.put("P-11141", List.of());
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE deleted_at IS NULL")).isEqualTo(6);
            assertThat(engine.rows("SELECT message FROM alert WHERE kind = 'SOAP_DELETIONS_HELD'")).singleElement()
                    .satisfies(row -> assertThat((String) row.get("message"))
                            .contains("no longer list 6 of their 6 upcoming portal appointments, more than the 5 one page may remove"));

            // five of them gone: within the limit
            service.appointments.put("P-11141", List.of(six.get(5)));
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment WHERE deleted_at IS NULL")).isEqualTo(1);
        }
    }

    @Test
    void aFullReadThatNoLongerListsMoreThanItMayArchiveArchivesNoneAndRaisesOneAlert() throws Exception {
        // 12 patients, 10%: one read may archive at most 5 (SoapDeletionLimit.ALWAYS_ALLOWED)
        try (LegacyPatientService service = serviceWith(12, "1085"); TestEngine engine = start(service)) {
            engine.request("direct:soap-patient-poll-run", null);
            List<LegacyPatientService.Record> all = List.copyOf(service.records);
            service.records.subList(0, 6).clear();

            engine.request("direct:soap-patient-poll-run", null);
            engine.request("direct:soap-patient-poll-run", null);

            assertThat(archivedMrns(engine)).isEmpty();
            assertThat(engine.rows("SELECT source, message FROM alert WHERE kind = 'SOAP_DELETIONS_HELD'")).as("once a day, not every poll")
                    .singleElement().satisfies(row -> assertThat((String) row.get("message"))
                            .contains("no longer lists 6 of the 12 active portal patients, more than the 5 one read may archive"));

            // one of them listed again: 5 are gone, which a read may archive
            service.records.add(0, all.get(5));
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(archivedMrns(engine)).containsExactlyElementsOf(all.subList(0, 5).stream().map(LegacyPatientService.Record::mrn).toList());
        }
    }

    @Test
    void withChangedSinceOnlyTheFullReadDueEachFullReadIntervalArchives() throws Exception {
        LegacyPatientService service = serviceWith(4, "1086");
        Map<String, String> settings = settings(service);
        settings.put(PortalSyncSettings.SOAP_CHANGED_SINCE, "true");
        settings.put(PortalSyncSettings.SOAP_FULL_READ_INTERVAL, "3s");
        try (service; TestEngine engine = TestEngine.start(settings)) {
            engine.stopRoute("soap-patient-poll");
            engine.request("direct:soap-patient-poll-run", null);
            java.time.Instant firstFullRead = java.time.Instant.now();
            LegacyPatientService.Record deleted = service.records.remove(3);
            service.requests.clear();

            engine.request("direct:soap-patient-poll-run", null);
            assertThat(service.requests).as("a changed-since poll").isNotEmpty().allSatisfy(request -> assertThat(request).contains("ChangedSince"));
            assertThat(archivedMrns(engine)).as("ChangedSince cannot show a deletion").isEmpty();

            while (java.time.Instant.now().isBefore(firstFullRead.plusSeconds(3))) {
                Thread.sleep(100);
            }
            service.requests.clear();
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(service.requests).as("the full read due").isNotEmpty().allSatisfy(request -> assertThat(request)
                    .doesNotContain("ChangedSince"));
            assertThat(archivedMrns(engine)).containsExactly(deleted.mrn());

            service.requests.clear();
            engine.request("direct:soap-patient-poll-run", null);
            assertThat(service.requests).as("the next one asks for changes again").isNotEmpty().allSatisfy(request -> assertThat(request)
                    .contains("ChangedSince"));
        }
    }

    private static java.time.Instant mark(TestEngine engine) throws Exception {
        return instant(engine.rows("SELECT high_water_mark FROM sync_high_water_mark WHERE source = 'legacy-soap' AND feed = 'GetPatients'")
                .get(0).get("high_water_mark"));
    }

    private static Map<String, Object> updatedAt(TestEngine engine) throws Exception {
        Map<String, Object> updated = new HashMap<>();
        engine.rows("SELECT mrn, updated_at FROM portal_patient WHERE source = 'legacy-soap'")
                .forEach(row -> updated.put((String) row.get("mrn"), instant(row.get("updated_at"))));
        return updated;
    }

    private static Map<String, Object> without(Map<String, Object> map, String key) {
        Map<String, Object> copy = new HashMap<>(map);
        copy.remove(key);
        return copy;
    }

    private static java.time.Instant instant(Object value) {
        return value instanceof java.time.OffsetDateTime time ? time.toInstant() : ((java.sql.Timestamp) value).toInstant();
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
