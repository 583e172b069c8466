package org.portalsync.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.portalsync.config.ConfigurationException;

class AuthorityFileTest {

    private static final Path SHIPPED = Path.of("config/authority.yaml");

    @Test
    void theShippedFileDeclaresEveryFieldWithTheEngineDefaults() {
        AuthorityMatrix shipped = AuthorityFile.load(SHIPPED);
        AuthorityMatrix defaults = AuthorityFile.defaults();
        for (AuthorityField field : AuthorityField.values()) {
            FieldPolicy policy = shipped.policy(field);
            assertThat(policy.declared()).as(field.qualifiedName()).isTrue();
            assertThat(policy.rule()).as(field.qualifiedName()).isEqualTo(defaults.policy(field).rule());
            assertThat(policy.writeBack()).as(field.qualifiedName()).isEqualTo(defaults.policy(field).writeBack());
        }
        assertThat(shipped.tie()).isEqualTo(Side.EHR);
    }

    @Test
    void theShippedFileHasTheFieldGuidesDefaults() {
        AuthorityMatrix shipped = AuthorityFile.load(SHIPPED);
        assertThat(shipped.policy(AuthorityField.PATIENT_LEGAL_NAME).rule()).isEqualTo(new FieldRule.Owner(Side.EHR));
        assertThat(shipped.policy(AuthorityField.PATIENT_EMAILS).rule()).isEqualTo(new FieldRule.Owner(Side.PORTAL));
        assertThat(shipped.policy(AuthorityField.PATIENT_INSURANCE).rule()).isEqualTo(new FieldRule.LastWriteWins());
        assertThat(shipped.policy(AuthorityField.APPOINTMENT_PROVIDER).rule()).isEqualTo(new FieldRule.Owner(Side.EHR));
        assertThat(shipped.policy(AuthorityField.APPOINTMENT_NOTES).rule()).isEqualTo(new FieldRule.LastWriteWins());
        FieldRule status = shipped.policy(AuthorityField.APPOINTMENT_STATUS).rule();
        assertThat(status.resolve(Initiator.PATIENT, "cancelled")).isEqualTo(new FieldRule.Owner(Side.PORTAL));
        assertThat(status.resolve(Initiator.PATIENT, "booked")).isEqualTo(new FieldRule.Owner(Side.EHR));
        assertThat(status.resolve(Initiator.STAFF, "cancelled")).isEqualTo(new FieldRule.Owner(Side.EHR));
        assertThat(status.resolve(Initiator.EHR, "cancelled")).isEqualTo(new FieldRule.Owner(Side.EHR));
    }

    @Test
    void aFieldLeftOutKeepsItsDefaultAndIsMarkedSo() {
        AuthorityMatrix matrix = AuthorityFile.parse("a.yaml", "patient:\n  phones: ehr\n");
        assertThat(matrix.policy(AuthorityField.PATIENT_PHONES).rule()).isEqualTo(new FieldRule.Owner(Side.EHR));
        assertThat(matrix.policy(AuthorityField.PATIENT_PHONES).line()).isEqualTo(2);
        assertThat(matrix.policy(AuthorityField.PATIENT_PHONES).writeBack()).isFalse();
        assertThat(matrix.policy(AuthorityField.PATIENT_EMAILS).declared()).isFalse();
        assertThat(matrix.toMarkdown()).contains("| `patient.emails` | Patient.telecom (email) | portal (default) | yes | yes |");
    }

    @Test
    void aMisspeltFieldStopsStartUpNamingFileLineAndField() {
        assertThatThrownBy(() -> AuthorityFile.parse("config/authority.yaml", "patient:\n  legal-name: ehr\n  emials: portal\n"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("config/authority.yaml line 3")
                .hasMessageContaining("unknown patient field 'emials'")
                .hasMessageContaining("did you mean 'emails'");
    }

    @Test
    void anUnknownRuleStopsStartUpNamingLineAndField() {
        assertThatThrownBy(() -> AuthorityFile.parse("f.yaml", "patient:\n  phones: newest\n"))
                .hasMessageContaining("f.yaml line 2").hasMessageContaining("patient.phones: unknown rule 'newest'");
    }

    @Test
    void everyOtherMistakeNamesItsLine() {
        assertError("appointments:\n  start: ehr\n", "line 1", "unknown section 'appointments'");
        assertError("patient:\n  mrn: portal\n", "line 2", "patient.mrn can only be 'ehr'");
        assertError("patient:\n  phones:\n    rule: portal\n    writeback: true\n", "line 4", "unknown option 'writeback'");
        assertError("patient:\n  phones: ehr\n  phones: portal\n", "line 3", "given twice");
        assertError("patient:\n  phones:\n    when:\n      - initiated-by: staff\n        rule: portal\n", "line 3", "needs 'otherwise:'");
        assertError("patient:\n  phones:\n    when:\n      - value: [x]\n        rule: portal\n    otherwise: ehr\n", "line 4",
                "'value' conditions apply only to single-valued fields");
        assertError("patient:\n  phones:\n    when:\n      - initiated-by: nurse\n        rule: portal\n    otherwise: ehr\n", "line 4",
                "unknown initiator 'nurse'");
        assertError("patient:\n  phones:\n    rule: ehr\n    write-back: true\n", "line 3", "write-back needs a rule");
        assertError("last-write-wins:\n  on-equal-times: newest\n", "line 2", "expected ehr or portal");
        assertError("patient:\n  communication-preferences: last-write-wins\n", "line 2",
                "patient.communication-preferences can only be 'portal': the EHR has no element for it");
        assertError("patient:\n  communication-preferences:\n    rule: portal\n    write-back: true\n", "line 3", "write-back is impossible");
        assertError("patient:\n  phones: [ehr\n", "", "not valid YAML");
    }

    private static void assertError(String yaml, String line, String message) {
        assertThatThrownBy(() -> AuthorityFile.parse("f.yaml", yaml)).as(yaml)
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("f.yaml " + line).hasMessageContaining(message);
    }

    @Test
    void theJsonMatrixHasOneRowPerFieldWithItsRule() {
        var json = AuthorityFile.load(SHIPPED).toJson();
        assertThat(json.get("fields")).hasSize(AuthorityField.values().length);
        assertThat(json.get("fields").get(0).get("field").asText()).isEqualTo("patient.legal-name");
        assertThat(json.get("fields").get(0).get("rule").asText()).isEqualTo("ehr");
        assertThat(json.get("lastWriteWinsOnEqualTimes").asText()).isEqualTo("ehr");
    }

    @Test
    void theReadmeShowsTheMatrixOfTheShippedFile() throws Exception {
        String readme = java.nio.file.Files.readString(Path.of("README.md"));
        int begin = readme.indexOf("<!-- authority:begin");
        int end = readme.indexOf("<!-- authority:end");
        assertThat(begin).as("README markers").isPositive();
        String table = readme.substring(readme.indexOf('\n', begin) + 1, end);
        assertThat(table).as("README's authority table: regenerate it with PrintAuthorityMatrix")
                .isEqualTo(AuthorityFile.load(SHIPPED).toMarkdown());
    }
}
