package org.portalsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint.ContactPointSystem;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.mapping.MapFhirPatientCorpusTest;
import org.portalsync.sandbox.FaultInjectingProxy;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * Nothing sent twice or to the wrong person: the EHR's existing patients (the initial load) get no
 * welcome unless an operator asks for it, and of the patients new at the EHR later, nobody who is
 * deceased, inactive or without an email, and a minor only through a parent or guardian.
 */
class WelcomePolicyIT {

    private static final SandboxEhr EHR = SandboxEhr.shared();

    private static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    @Test
    void anInitialLoadThatFailsMidwayStaysTheInitialLoadInTheNextPollThenNewPatientsAreWelcomed() throws Exception {
        long seed = 7471;
        EHR.seedPatients(35, seed);
        try (FaultInjectingProxy proxy = new FaultInjectingProxy(EHR.fhirBaseUrl())) {
            Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, proxy.baseUrl() + "/fhir", "h2", seed));
            settings.put(PortalSyncSettings.FHIR_PAGE_SIZE, "10");
            try (TestEngine engine = TestEngine.start(settings)) {
                proxy.delayNext(1, Duration.ZERO, "/fhir"); // the first page goes through
                proxy.failNext(4, 503, "/fhir"); // the second fails, and so do its three retries

                assertThat(engine.poll()).contains("poll stopped early");

                assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).as("the first page is committed").isPositive();
                assertThat(engine.count("SELECT COUNT(*) FROM sync_high_water_mark WHERE feed = 'Patient'"))
                        .as("so the feed has a mark, yet its initial load goes on").isEqualTo(1);
                assertThat(engine.count("SELECT COUNT(*) FROM sync_initial_load WHERE completed_at IS NULL")).isEqualTo(1);
                assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).isZero();

                assertThat(engine.poll()).doesNotContain("stopped early");

                long rejected = engine.count("SELECT COUNT(DISTINCT record_ref) FROM data_quality_issue WHERE rejects_record = TRUE");
                assertThat(engine.count("SELECT COUNT(*) FROM portal_patient")).isEqualTo(35 - rejected);
                assertThat(engine.count("SELECT COUNT(*) FROM welcome_outbox")).as("the rest of the initial load").isZero();
                assertThat(engine.count("SELECT COUNT(*) FROM sync_initial_load WHERE feed = 'Patient' AND completed_at IS NOT NULL"))
                        .isEqualTo(1);

                SandboxPatientGenerator generator = new SandboxPatientGenerator(seed);
                for (int i = 0; i < 35; i++) {
                    generator.next();
                }
                String[] added = ExpectedWelcomes.createNextWelcomed(EHR, generator, seed, today());
                assertThat(engine.poll()).contains(" 1 new");

                assertThat(engine.rows("SELECT p.source_id, w.recipient_kind, w.recipient_email FROM welcome_outbox w"
                        + " JOIN portal_patient p ON p.id = w.patient_id")).containsExactly(
                                Map.of("source_id", added[0], "recipient_kind", "PATIENT", "recipient_email", added[1]));
            }
        }
    }

    @Test
    void anOperatorCanHaveTheInitialLoadWelcomed() throws Exception {
        long seed = 7472;
        EHR.seedPatients(25, seed);
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WELCOME_INITIAL_LOAD, "queue");
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll();

            assertThat(engine.rows("SELECT recipient_email FROM welcome_outbox").stream().map(row -> row.get("recipient_email")))
                    .containsExactlyInAnyOrderElementsOf(ExpectedWelcomes.recipients(seed, 25, today()));
        }
    }

    @Test
    void welcomesNobodyDeceasedInactiveOrWithoutEmailAndAMinorOnlyThroughAParentOrGuardian() throws Exception {
        Optional<Path> corpus = MapFhirPatientCorpusTest.corpus();
        assumeTrue(corpus.isPresent(), "shared FHIR corpus not found; skipping");
        long seed = 7473;
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        Map<String, String> settings = new HashMap<>(TestEngine.settingsFor(EHR, EHR.fhirBaseUrl(), "h2", seed));
        settings.put(PortalSyncSettings.WELCOME_ENABLED, "true");
        settings.put(PortalSyncSettings.WELCOME_INTERVAL, "200");
        settings.put(PortalSyncSettings.WELCOME_ENDPOINT, "smtp://127.0.0.1:" + smtp.getSmtp().getPort());
        try (TestEngine engine = TestEngine.start(settings)) {
            engine.poll(); // nothing there yet: the initial load is over at once

            // the R4 specification's deceased example (deceasedDateTime), given an email
            Patient pat3 = corpusPatient(corpus.get(), "Patient-r4spec-pat3.json").setManagingOrganization(null);
            pat3.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("simon@example.org");
            String deceasedOnADate = ExpectedWelcomes.create(EHR, pat3, seed);
            // the twin is a minor whose mother (N and MTH) is her contact; both have an email
            Patient twin = corpusPatient(corpus.get(), "Patient-r4spec-infant-twin-1.json");
            twin.addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("jaina@example.org");
            twin.getContactFirstRep().addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("leia@example.org");
            String minorWithMother = ExpectedWelcomes.create(EHR, twin, seed);

            SandboxPatientGenerator generator = new SandboxPatientGenerator(seed);
            String deceased = ExpectedWelcomes.create(EHR, nextWelcomed(generator).setDeceased(new BooleanType(true)), seed);
            String inactive = ExpectedWelcomes.create(EHR, nextWelcomed(generator).setActive(false), seed);
            Patient withoutEmail = nextWelcomed(generator);
            withoutEmail.getTelecom().removeIf(point -> point.getSystem() == ContactPointSystem.EMAIL);
            ExpectedWelcomes.create(EHR, withoutEmail, seed);
            Patient minor = nextWelcomed(generator);
            minor.setBirthDateElement(new DateType(today().minusYears(10).toString()));
            minor.addContact().addRelationship(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0131", "N", null)))
                    .addTelecom().setSystem(ContactPointSystem.EMAIL).setValue("next.of.kin@example.org");
            ExpectedWelcomes.create(EHR, minor, seed);
            String[] adult = ExpectedWelcomes.createNextWelcomed(EHR, generator, seed, today());

            assertThat(engine.poll()).contains(" 7 new");

            assertThat(engine.rows("SELECT p.source_id, w.recipient_kind, w.recipient_email FROM welcome_outbox w"
                    + " JOIN portal_patient p ON p.id = w.patient_id")).containsExactlyInAnyOrder(
                            Map.of("source_id", adult[0], "recipient_kind", "PATIENT", "recipient_email", adult[1]),
                            Map.of("source_id", minorWithMother, "recipient_kind", "GUARDIAN", "recipient_email", "leia@example.org"));
            assertThat(engine.rows("SELECT source_id, deceased, deceased_at FROM portal_patient WHERE deceased = TRUE"))
                    .extracting(row -> row.get("source_id"), row -> instant(row.get("deceased_at")))
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(deceasedOnADate, Instant.parse("2015-02-14T03:42:00Z")),
                            org.assertj.core.groups.Tuple.tuple(deceased, null));
            assertThat(engine.count("SELECT COUNT(*) FROM portal_patient WHERE source_id = ? AND archived = TRUE", inactive)).isEqualTo(1);

            assertThat(smtp.waitForIncomingEmail(Duration.ofSeconds(20).toMillis(), 2)).isTrue();
            PatientWelcomeIT.awaitCount(engine, "SELECT COUNT(*) FROM welcome_outbox WHERE processed_at IS NOT NULL", 2);
            MimeMessage[] sent = smtp.getReceivedMessages();
            assertThat(Arrays.stream(sent).map(PatientWelcomeIT::recipient).toList())
                    .containsExactlyInAnyOrder(adult[1], "leia@example.org");
            MimeMessage toMother = Arrays.stream(sent).filter(m -> PatientWelcomeIT.recipient(m).equals("leia@example.org"))
                    .findFirst().orElseThrow();
            assertThat(toMother.getContent().toString()).startsWith("Dear parent or guardian").contains("Jaina Solo");
        } finally {
            smtp.stop();
        }
    }

    private static Patient nextWelcomed(SandboxPatientGenerator generator) {
        while (true) {
            Patient patient = generator.next();
            if (ExpectedWelcomes.recipient(patient, today()).isPresent()) {
                return patient;
            }
        }
    }

    private static Patient corpusPatient(Path corpus, String file) throws Exception {
        return FhirContext.forR4Cached().newJsonParser().parseResource(Patient.class, Files.readString(corpus.resolve(file)));
    }

    private static Instant instant(Object value) {
        return value == null ? null : ((OffsetDateTime) value).toInstant();
    }
}
