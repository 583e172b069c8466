package org.portalsync.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.Test;

class WriteDigestMailTest {

    private static final Instant AT = Instant.parse("2026-03-08T12:00:00Z");
    private final WriteDigestMail mail = new WriteDigestMail(List.of("desk@practice.test"), "engine@practice.test", "Digest",
            ZoneId.of("America/New_York"));

    @Test
    void groupsByRuleSourceAndFieldWhateverThePosition() {
        Digest digest = new Digest(AT, List.of(
                entry(1, "invalid phone", "Patient/1", "Patient.telecom[0].value"),
                entry(2, "invalid phone", "Patient/2", "Patient.telecom[2].value"),
                entry(3, "no MRN", "Patient/3", "Patient.identifier")), List.of());

        assertThat(digest.groups()).extracting(Digest.Group::field, group -> group.entries().size())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Patient.telecom[*].value", 2),
                        org.assertj.core.groups.Tuple.tuple("Patient.identifier", 1));
        assertThat(mail.html(digest)).contains("2026-03-08 08:00 EDT").contains("<td>Patient/2</td><td>Patient.telecom[2].value</td>");
    }

    @Test
    void quotesCsvCellsAndDefusesWhatASpreadsheetWouldRun() {
        Digest digest = new Digest(AT, List.of(entry(1, "=HYPERLINK(\"x\"), or not", "Patient/1", "Patient.name")), List.of());

        assertThat(mail.csv(digest).lines().toList()).containsExactly("rule,source,field,record,detected_at,occurrences,last_detected_at",
                "\"'=HYPERLINK(\"\"x\"\"), or not\",ehr,Patient.name,Patient/1,2026-03-08T12:00:00Z,1,2026-03-08T12:00:00Z");
    }

    @Test
    void aProblemFoundRepeatedlyShowsHowOftenAndWhenFirstAndLast() {
        Digest digest = new Digest(AT, List.of(new DigestEntry(DigestEntry.DATA_QUALITY, 1, "HL7 v2 ADT^A04 messages: no rule reads PV1",
                "legacy-adt", "mapping hl7v2-adt-patient", "HL7v2 unmapped", AT, 1234, AT.plusSeconds(3600))), List.of());

        assertThat(mail.html(digest)).contains("<td>legacy-adt</td><td>HL7v2 unmapped</td><td>1234</td>")
                .contains("<td>mapping hl7v2-adt-patient</td><td>HL7v2 unmapped</td><td>2026-03-08 08:00 EDT to 2026-03-08 09:00 EDT, 1234 times</td>");
        assertThat(mail.csv(digest).lines().toList()).contains("HL7 v2 ADT^A04 messages: no rule reads PV1,legacy-adt,HL7v2 unmapped,"
                + "mapping hl7v2-adt-patient,2026-03-08T12:00:00Z,1234,2026-03-08T13:00:00Z");
    }

    @Test
    void escapesHtml() {
        Digest digest = new Digest(AT, List.of(entry(1, "<b>bold</b> & more", "Patient/1", "Patient.name")), List.of());

        assertThat(mail.html(digest)).contains("&lt;b&gt;bold&lt;/b&gt; &amp; more").doesNotContain("<b>bold");
    }

    private static DigestEntry entry(long id, String rule, String record, String field) {
        return new DigestEntry(DigestEntry.DATA_QUALITY, id, rule, "ehr", record, field, AT);
    }
}
