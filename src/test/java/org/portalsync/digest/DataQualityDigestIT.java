package org.portalsync.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;
import org.portalsync.sandbox.SandboxPatientGenerator.Defect;
import org.portalsync.sync.TestEngine;

/**
 * The daily digest against the real sandbox and a real SMTP server: patients seeded with known defects
 * (an invalid phone, no MRN) are synced, a reconciliation discrepancy is recorded, the digest is run on
 * demand, and its mail names exactly those records and fields, grouped, with the same rows in its CSV; the
 * next digest is an all-clear.
 */
class DataQualityDigestIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    /** Only these two defects, each at a rate that makes several of them among a few dozen patients. */
    private static final SandboxPatientGenerator.DefectRates RATES = new SandboxPatientGenerator.DefectRates(0, 0.25, 0, 0, 0.25);

    private GreenMail smtp;

    @BeforeEach
    void startMailServer() {
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
    }

    @AfterEach
    void stopMailServer() {
        smtp.stop();
    }

    @Test
    void theDigestNamesEachSeededProblemOnceAndTheNextOneIsAnAllClear() throws Exception {
        long seed = 10531;
        List<SandboxEhr.SeededPatient> seeded = EHR.seedPatientsWithDefects(40, seed, RATES);
        Set<String> expected = new java.util.TreeSet<>();
        for (SandboxEhr.SeededPatient patient : seeded) {
            if (patient.defect() == Defect.INVALID_PHONE) {
                expected.add("Patient/" + patient.id() + " Patient.telecom[*].value");
            } else if (patient.defect() == Defect.NO_MRN) {
                expected.add("Patient/" + patient.id() + " Patient.identifier");
            }
        }
        long phones = seeded.stream().filter(p -> p.defect() == Defect.INVALID_PHONE).count();
        long mrns = seeded.stream().filter(p -> p.defect() == Defect.NO_MRN).count();
        assertThat(phones).isPositive();
        assertThat(mrns).isPositive();

        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.ALERT_MAIL_HOST, "127.0.0.1");
        settings.put(PortalSyncSettings.ALERT_MAIL_PORT, String.valueOf(smtp.getSmtp().getPort()));
        settings.put(PortalSyncSettings.ALERT_MAIL_TO, "it@practice.test");
        settings.put(PortalSyncSettings.DIGEST_TO, "frontdesk@practice.test");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();
            // and one discrepancy of the nightly reconciliation, as its run records it
            try (var connection = engine.database().getConnection(); var statement = connection.createStatement()) {
                statement.executeUpdate("INSERT INTO reconciliation_run (id, source, started_at, window_start, window_end, window_zone, status,"
                        + " repair) VALUES (105310, 'ehr', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'UTC', 'completed', FALSE)");
                statement.executeUpdate("INSERT INTO reconciliation_discrepancy (run_id, appointment_source_id, kind, field)"
                        + " VALUES (105310, 'appt-10531', 'field-differs', 'start')");
            }
            expected.add("Appointment/appt-10531 Appointment.start");
            // and one field both sides changed, resolved for the EHR as the authority rules write it
            Map<String, Object> patient = engine.rows("SELECT id, source_id FROM portal_patient ORDER BY id").get(0);
            String discarded = "[\"discarded-10531@portal.test\"]";
            try (var connection = engine.database().getConnection(); var insert = connection.prepareStatement(
                    "INSERT INTO portal_field_conflict (patient_id, field, detected_at, kept_side, discarded_side, discarded_value, reason)"
                            + " VALUES (?, 'patient.emails', CURRENT_TIMESTAMP, 'ehr', 'portal', ?, 'ehr decides patient.emails')")) {
                insert.setLong(1, ((Number) patient.get("id")).longValue());
                insert.setString(2, discarded);
                insert.executeUpdate();
            }
            expected.add("Patient/" + patient.get("source_id") + " patient.emails");

            engine.request("direct:data-quality-digest", null);

            MimeMessage[] mails = smtp.getReceivedMessages();
            assertThat(mails).hasSize(1);
            MimeMessage digest = mails[0];
            assertThat(digest.getHeader("To", ", ")).isEqualTo("frontdesk@practice.test");
            assertThat(digest.getSubject()).isEqualTo("Portal sync: data to fix in the EHR: " + expected.size() + " entries");
            String html = part(digest, "text/html");
            String csv = part(digest, "text/csv");

            List<String> lines = csv.lines().toList();
            assertThat(lines.get(0)).isEqualTo("rule,source,field,record,detected_at,occurrences,last_detected_at");
            Set<String> reported = new java.util.TreeSet<>();
            for (String line : lines.subList(1, lines.size())) {
                List<String> cells = cells(line);
                assertThat(cells.get(1)).isEqualTo("ehr");
                reported.add(cells.get(3) + " " + cells.get(2).replaceAll("\\[\\d+]", "[*]"));
            }
            assertThat(reported).as("one row per seeded problem, nothing else").isEqualTo(expected);
            assertThat(lines).hasSize(1 + expected.size());

            // grouped by rule x source x field (a phone's rule names its region), with the seeding's counts
            assertThat(groupCounts(html, "Patient.telecom[*].value")).isEqualTo(phones);
            assertThat(groupCounts(html, "Patient.identifier")).isEqualTo(mrns);
            expected.forEach(entry -> assertThat(html).contains("<td>" + entry.substring(0, entry.indexOf(' ')) + "</td>"));
            assertThat(html).contains("<td>reconciliation: field-differs</td><td>ehr</td><td>Appointment.start</td><td>1</td>");
            assertThat(html).contains("<td>conflict resolved for the ehr, the portal's change discarded</td><td>ehr</td><td>patient.emails</td><td>1</td>");
            assertThat(html + csv).as("the discarded value is PHI").doesNotContain("discarded-10531");
            assertThat(engine.count("SELECT COUNT(*) FROM portal_field_conflict WHERE reported_at IS NULL")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue WHERE reported_at IS NULL")).isZero();
            assertThat(engine.count("SELECT COUNT(*) FROM reconciliation_discrepancy WHERE reported_at IS NULL")).isZero();

            engine.request("direct:data-quality-digest", null);

            assertThat(smtp.getReceivedMessages()).hasSize(2);
            MimeMessage allClear = smtp.getReceivedMessages()[1];
            assertThat(allClear.getSubject()).isEqualTo("Portal sync: data to fix in the EHR: all clear");
            assertThat(allClear.getContent().toString()).contains("No data-quality problems");
        }
    }

    /** The sum of the summary table's counts of the groups of this field at the source ehr. */
    private static long groupCounts(String html, String field) {
        java.util.regex.Matcher rows = java.util.regex.Pattern.compile("<td>ehr</td><td>" + java.util.regex.Pattern.quote(field)
                + "</td><td>(\\d+)</td></tr>").matcher(html);
        long sum = 0;
        while (rows.find()) {
            sum += Long.parseLong(rows.group(1));
        }
        return sum;
    }

    /** The text of the message's first part of this content type. */
    private static String part(Part part, String type) throws Exception {
        if (part.isMimeType(type)) {
            Object content = part.getContent();
            if (content instanceof String text) {
                return text;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            part.getDataHandler().writeTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        }
        if (part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart body = multipart.getBodyPart(i);
                String found = part(body, type);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** RFC 4180 cells of one CSV line. */
    private static List<String> cells(String line) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                cell.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString());
        return cells.stream().collect(Collectors.toList());
    }
}
