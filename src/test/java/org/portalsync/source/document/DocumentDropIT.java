package org.portalsync.source.document;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sync.TestEngine;

/**
 * The legacy document drop of the real engine (routes/legacy-document-inbound.yaml) with the sample mappings of
 * docs/samples/document in its mapping folder: a JSON export's patients and the appointments inside them end in the
 * portal (values read from the sample file), a later export updates and an older record does not overwrite, an XML
 * document is read by its own mapping, and a file that is not well-formed, that no mapping takes, or with one record
 * a mapping refuses is applied not at all and lies in error/ with its reason.
 */
class DocumentDropIT {

    private static final Path SAMPLES = Path.of("docs/samples/document");

    @TempDir
    Path inbox;

    @TempDir
    Path mappings;

    @BeforeEach
    void mappings() throws Exception {
        for (String name : new String[] {"document-export-patient.yaml", "document-export-appointment.yaml"}) {
            Files.copy(SAMPLES.resolve(name), mappings.resolve(name));
        }
        // an XML document of another system, with a namespace
        Files.writeString(mappings.resolve("document-clinic-xml.yaml"), """
                mapping: document-clinic-xml
                source: legacy-clinic-xml
                zone: America/Denver
                document:
                  format: xml
                  files: "clinic-*.xml"
                  records: /c:roster/c:person
                  namespaces: {c: "urn:clinic"}
                produces: Patient
                id: {prefix: doc, from: ["@key"]}
                rules:
                  - {source: c:changed, target: meta.lastUpdated, type: date-time, required: true}
                  - {source: c:chart, target: identifier.value, required: true}
                  - {value: "{{portal-sync.mapping.mrn-system}}", target: identifier.system}
                  - {source: c:surname, target: name.family, required: true}
                  - {source: c:born, target: birthDate, type: date}
                """);
    }

    private Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(TestEngine.settingsWithoutEhr("h2"));
        settings.put(PortalSyncSettings.DOCUMENT_ENABLED, "true");
        settings.put(PortalSyncSettings.DOCUMENT_DIR, inbox.toString());
        settings.put(PortalSyncSettings.DOCUMENT_POLL_INTERVAL, "100ms");
        settings.put(PortalSyncSettings.DOCUMENT_READY_AFTER, "100ms");
        settings.put(PortalSyncSettings.HL7V2_MAPPINGS_DIR, mappings.toString());
        return settings;
    }

    /** Written as a sender should: under a .tmp name, then renamed. */
    private void drop(String name, String content) throws Exception {
        Path tmp = inbox.resolve(name + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, inbox.resolve(name));
    }

    private void awaitMoved(String name, String folder) throws Exception {
        await(() -> Files.exists(inbox.resolve(folder).resolve(name)) && !Files.exists(inbox.resolve(name)));
    }

    private static void await(Callable<Boolean> condition) throws Exception {
        for (Instant until = Instant.now().plusSeconds(60); Instant.now().isBefore(until); Thread.sleep(50)) {
            if (condition.call()) {
                return;
            }
        }
        assertThat(condition.call()).as("condition not met within 60 s").isTrue();
    }

    @Test
    void aJsonExportsPatientsAndTheirAppointmentsEndInThePortalAndALaterExportUpdatesThem() throws Exception {
        String export = Files.readString(SAMPLES.resolve("export-2024-03-01.json"));
        try (TestEngine engine = TestEngine.start(settings())) {
            drop("export-2024-03-01.json", export);
            awaitMoved("export-2024-03-01.json", "done");

            assertThat(engine.rows("SELECT mrn, legal_family, legal_given, birth_date, gender FROM portal_patient WHERE source = 'legacy-export' "
                    + "ORDER BY mrn")).extracting(row -> row.get("mrn") + " " + row.get("legal_family") + " " + row.get("legal_given") + " "
                            + row.get("birth_date") + " " + row.get("gender"))
                    .containsExactly("A-2001 Hopper Grace Brewster 1906-12-09 female", "A-2002 Turing Alan 1912-06-23 male");
            // 09:30 in Chicago (CST) is 15:30 UTC
            assertThat(engine.rows("SELECT p.mrn, a.start_at, a.end_at, a.status FROM portal_appointment a JOIN portal_patient p "
                    + "ON p.id = a.patient_id")).singleElement().satisfies(row -> {
                        assertThat(row.get("mrn")).isEqualTo("A-2001");
                        assertThat(instant(row.get("start_at"))).isEqualTo(Instant.parse("2024-03-08T15:30:00Z"));
                        assertThat(instant(row.get("end_at"))).isEqualTo(Instant.parse("2024-03-08T16:00:00Z"));
                        assertThat(row.get("status")).isEqualTo("booked");
                    });

            // the next export: Hopper changed later (applied), Turing with an older lastModified (not applied over the newer)
            drop("export-2024-03-02.json", export.replace("\"Hopper\"", "\"Hopper-Murray\"").replace("2024-03-01T11:00:00", "2024-03-02T11:00:00")
                    .replace("\"Turing\"", "\"Older\"").replace("2024-02-28T08:15:00", "2024-02-27T08:15:00"));
            awaitMoved("export-2024-03-02.json", "done");
            assertThat(engine.rows("SELECT legal_family FROM portal_patient WHERE source = 'legacy-export' ORDER BY mrn"))
                    .extracting(row -> row.get("legal_family")).containsExactly("Hopper-Murray", "Turing");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source = 'legacy-export'")).isEqualTo(2);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isEqualTo(1);

            drop("clinic-roster.xml", """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <roster xmlns="urn:clinic"><person key="K-7"><changed>2024-03-01T10:00:00</changed><chart>C-7</chart>
                    <surname>Lamarr</surname><born>1914-11-09</born></person></roster>""");
            awaitMoved("clinic-roster.xml", "done");
            assertThat(engine.rows("SELECT mrn, legal_family FROM portal_patient WHERE source = 'legacy-clinic-xml'"))
                    .extracting(row -> row.get("mrn") + " " + row.get("legal_family")).containsExactly("C-7 Lamarr");
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'DOCUMENT_FILE_REFUSED'")).isZero();
        }
    }

    @Test
    void aFileThatIsBrokenUntakenOrWithARefusedRecordIsAppliedNotAtAllAndLiesInErrorWithItsReason() throws Exception {
        String export = Files.readString(SAMPLES.resolve("export-2024-03-01.json"));
        try (TestEngine engine = TestEngine.start(settings())) {
            drop("export-broken.json", export.substring(0, export.length() / 2));
            // the second patient without its MRN: the first, valid, is not applied either
            drop("export-no-mrn.json", export.replace("\"mrn\": \"A-2002\",", ""));
            drop("notes.json", "{\"patients\": []}");
            drop("export-empty.json", "[]");
            awaitMoved("export-broken.json", "error");
            awaitMoved("export-no-mrn.json", "error");
            awaitMoved("notes.json", "error");
            awaitMoved("export-empty.json", "error");

            assertThat(reason("export-broken.json")).startsWith("Document file export-broken.json refused: not well-formed JSON (line ");
            assertThat(reason("export-no-mrn.json")).startsWith("Document file export-no-mrn.json refused: record 2 of document-export-patient: "
                    + "mrn: required");
            assertThat(reason("notes.json")).startsWith("Document file notes.json refused: no mapping in the mappings folder takes it");
            assertThat(reason("export-empty.json")).startsWith("Document file export-empty.json refused: no record at /document/patients");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM portal_appointment")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM alert WHERE kind = 'DOCUMENT_FILE_REFUSED'")).isEqualTo(4);
            assertThat(engine.count("SELECT COUNT(*) FROM audit_event WHERE action = 'Document file' AND result LIKE 'failure:%'")).isEqualTo(4);
        }
    }

    private String reason(String name) throws Exception {
        return Files.readString(inbox.resolve("error").resolve(name + org.portalsync.source.RefusedFiles.REASON_SUFFIX));
    }

    private static Instant instant(Object value) {
        return value instanceof OffsetDateTime time ? time.toInstant() : ((java.sql.Timestamp) value).toInstant();
    }
}
