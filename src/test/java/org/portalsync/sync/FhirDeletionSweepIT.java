package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;

/** The deletion sweep ({@code Patient/_history}) reads deletions whatever shape of URL the EHR names them with. */
class FhirDeletionSweepIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();
    private static final String HISTORY = "/fhir/Patient/_history";
    /** A relative or absolute reference to a Patient, with or without {@code /_history/n} (FHIR id: 1-64 of [A-Za-z0-9-.]). */
    private static final String ANY_PATIENT_URL = "\"(?:[^\"]*/)?Patient/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^\"]*)?\"";

    @Test
    void aDeletionNamedByAnAbsoluteUrlWithoutItsVersionStillArchives() throws Exception {
        long seed = 7651;
        List<String> ids = EHR.seedPatients(6, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl());
                TestEngine engine = TestEngine.start(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed))) {
            engine.poll();
            String deleted = engine.rows("SELECT source_id FROM portal_patient ORDER BY source_id").get(0).get("source_id").toString();
            long issuesBefore = engine.count("SELECT COUNT(*) FROM data_quality_issue");
            EHR.adminClient().delete().resourceById("Patient", deleted).execute();
            // as some EHRs write them: absolute, on another host name, and no /_history/n
            AtomicReference<String> asSent = new AtomicReference<>();
            AtomicReference<String> asRewritten = new AtomicReference<>();
            proxy.rewriteNextBody(1, body -> {
                asSent.set(body);
                asRewritten.set(body
                        .replaceAll("\"url\":" + ANY_PATIENT_URL, "\"url\":\"https://ehr.example.org/fhir/Patient/$1\"")
                        .replaceAll("\"fullUrl\":" + ANY_PATIENT_URL, "\"fullUrl\":\"https://ehr.example.org/fhir/Patient/$1\""));
                return asRewritten.get();
            }, HISTORY);

            String summary = engine.poll();

            assertThat(asSent.get()).as("the EHR named the deletion by a relative, versioned url")
                    .contains("\"method\":\"DELETE\"").contains("\"url\":\"Patient/" + deleted + "/_history/");
            assertThat(asRewritten.get()).contains("\"url\":\"https://ehr.example.org/fhir/Patient/" + deleted + "\"")
                    .doesNotContain("Patient/" + deleted + "/_history/");
            assertThat(summary).contains(" 1 archived");
            assertThat(engine.rows("SELECT archived FROM portal_patient WHERE source_id = ?", deleted).get(0))
                    .containsEntry("archived", true);
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE archived = TRUE")).isEqualTo(1);
            assertThat(engine.count("SELECT COUNT(*) FROM data_quality_issue")).as("a deletion is never a data-quality row")
                    .isEqualTo(issuesBefore);
            assertThat(engine.count("SELECT COUNT(*) FROM dead_letter")).isZero();
            assertThat(ids).contains(deleted);
        }
    }
}
