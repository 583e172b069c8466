package org.portalsync.welcome;

import java.time.Clock;
import java.time.LocalDate;
import java.time.Period;

import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PortalPatient;
import org.portalsync.welcome.Welcome.Recipient;

/**
 * Decides whether a patient new to the portal is welcomed, and to which address. Nobody is written
 * to for a patient who is deceased or inactive, who came in with a source's initial load (they
 * already exist at the EHR; unless {@code portal-sync.welcome.initial-load=queue}), or whose age is
 * unknown. A minor (younger than {@code portal-sync.welcome.minor-age} in the facility's zone) is
 * welcomed through the first parent or guardian contact with an email
 * ({@link EmergencyContact#GUARDIAN_RELATIONSHIPS}), or not at all; an adult at their preferred email.
 * Stateless and thread-safe.
 */
public final class WelcomePolicy {

    /** {@code portal-sync.welcome.initial-load}: what happens to the patients of a source's initial load. */
    public enum InitialLoad {
        SKIP, QUEUE
    }

    /** {@code portal-sync.welcome.minors}: where a minor's welcome goes. */
    public enum Minors {
        GUARDIAN, NONE
    }

    private final InitialLoad initialLoad;
    private final int minorAge;
    private final Minors minors;
    private final Clock facilityClock;

    /** @param facilityClock today's date in the facility's zone decides who is a minor */
    public WelcomePolicy(InitialLoad initialLoad, int minorAge, Minors minors, Clock facilityClock) {
        this.initialLoad = initialLoad;
        this.minorAge = minorAge;
        this.minors = minors;
        this.facilityClock = facilityClock;
    }

    /** @param partOfInitialLoad true when the patient came in with its source's initial load */
    public Welcome decide(PortalPatient patient, boolean partOfInitialLoad) {
        if (partOfInitialLoad && initialLoad == InitialLoad.SKIP) {
            return Welcome.none("part of the source's initial load (portal-sync.welcome.initial-load=skip)");
        }
        if (patient.deceased()) {
            return Welcome.none("deceased");
        }
        if (patient.archived()) {
            return Welcome.none("inactive");
        }
        if (patient.birthDate() == null) {
            // a minor must not be written to directly, and without a birth date nobody can tell
            return Welcome.none("no birth date, so the age is unknown");
        }
        if (Period.between(patient.birthDate(), LocalDate.now(facilityClock)).getYears() < minorAge) {
            if (minors == Minors.NONE) {
                return Welcome.none("minor (portal-sync.welcome.minors=none)");
            }
            return patient.emergencyContacts().stream()
                    .filter(contact -> contact.guardian() && contact.email() != null)
                    .findFirst()
                    .map(guardian -> Welcome.to(Recipient.GUARDIAN, guardian.email()))
                    .orElse(Welcome.none("minor without a parent or guardian contact that has an email"));
        }
        if (patient.emails().isEmpty()) {
            return Welcome.none("no email");
        }
        return Welcome.to(Recipient.PATIENT, patient.emails().get(0).value());
    }
}
