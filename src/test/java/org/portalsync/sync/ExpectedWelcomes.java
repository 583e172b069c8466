package org.portalsync.sync;

import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.sandbox.SandboxEhr;
import org.portalsync.sandbox.SandboxPatientGenerator;

/**
 * Which generated patients the welcome policy's defaults welcome, and at which address, read from
 * the generator's own output (the same seed gives the same patients), never from the engine's
 * tables. The generator's patients are all active and alive, and their contacts have no email, so a
 * minor among them is never welcomed; the rest are welcomed at their first valid email.
 */
final class ExpectedWelcomes {

    private ExpectedWelcomes() {
    }

    /** The addresses the first {@code count} patients of {@code seed} are welcomed at (after the initial load). */
    static List<String> recipients(long seed, int count, LocalDate today) {
        SandboxPatientGenerator generator = new SandboxPatientGenerator(seed);
        List<String> recipients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            recipient(generator.next(), today).ifPresent(recipients::add);
        }
        return recipients;
    }

    /** The address a generated patient is welcomed at: an adult's first valid email (home before work). */
    static Optional<String> recipient(Patient generated, LocalDate today) {
        if (SandboxPatientGenerator.defectOf(generated) == SandboxPatientGenerator.Defect.NO_NAME) {
            return Optional.empty(); // rejected: never in the portal
        }
        if (Period.between(LocalDate.parse(generated.getBirthDateElement().getValueAsString()), today).getYears() < 18) {
            return Optional.empty();
        }
        // the generator writes the home email first, then a work one; an invalid one has no @
        return generated.getTelecom().stream()
                .filter(point -> point.getSystem() == ContactPoint.ContactPointSystem.EMAIL && point.getValue().contains("@"))
                .map(point -> point.getValue().substring(0, point.getValue().indexOf('@') + 1)
                        + point.getValue().substring(point.getValue().indexOf('@') + 1).toLowerCase(Locale.ROOT))
                .findFirst();
    }

    /**
     * Creates at the EHR, under {@code seed}'s tag, the next patient of {@code generator} that is welcomed.
     *
     * @return its server id and the address it is welcomed at
     */
    static String[] createNextWelcomed(SandboxEhr ehr, SandboxPatientGenerator generator, long seed, LocalDate today) {
        while (true) {
            Patient patient = generator.next();
            Optional<String> recipient = recipient(patient, today);
            if (recipient.isPresent()) {
                return new String[] {create(ehr, patient, seed), recipient.get()};
            }
        }
    }

    /** Creates the patient at the EHR under {@code seed}'s tag, so that a test's poll sees it. */
    static String create(SandboxEhr ehr, Patient patient, long seed) {
        patient.setId((String) null);
        patient.getMeta().addTag(new Coding(SandboxEhr.SEED_TAG_SYSTEM, "seed-" + seed, null));
        return ehr.adminClient().create().resource(patient).execute().getId().getIdPart();
    }
}
