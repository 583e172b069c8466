package org.portalsync.welcome;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.EmergencyContact;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.welcome.Welcome.Recipient;
import org.portalsync.welcome.WelcomePolicy.InitialLoad;
import org.portalsync.welcome.WelcomePolicy.Minors;

class WelcomePolicyTest {

    /** 02:00 UTC on 11 May 2026 is still 10 May in New York. */
    private static final Clock NEW_YORK = Clock.fixed(Instant.parse("2026-05-11T02:00:00Z"), ZoneId.of("America/New_York"));
    private static final LocalDate ADULT = LocalDate.of(1980, 2, 29);
    private static final List<ContactPoint> EMAIL = List.of(new ContactPoint("ana@example.org", "home", null),
            new ContactPoint("ana.work@example.com", "work", null));

    private final WelcomePolicy policy = new WelcomePolicy(InitialLoad.SKIP, 18, Minors.GUARDIAN, NEW_YORK);

    private static PortalPatient patient(LocalDate birthDate, boolean archived, boolean deceased, List<ContactPoint> emails,
            EmergencyContact... contacts) {
        return new PortalPatient("ehr", "1", "1", Instant.EPOCH, "MRN-1", new PersonName(null, "Ana", "Garcia", null), null,
                birthDate, "female", null, archived, deceased, null, List.of(), emails, List.of(), List.of(contacts));
    }

    private static EmergencyContact contact(String relationship, String email) {
        return new EmergencyContact(relationship, new PersonName(null, "Luis", "Garcia", null), "+16175550199", email);
    }

    @Test
    void welcomesAnAdultAtTheirPreferredEmail() {
        Welcome welcome = policy.decide(patient(ADULT, false, false, EMAIL), false);

        assertThat(welcome.recipient()).isEqualTo(Recipient.PATIENT);
        assertThat(welcome.email()).isEqualTo("ana@example.org");
        assertThat(welcome.toString()).as("loggable: no address").doesNotContain("@");
    }

    @Test
    void skipsTheInitialLoadUnlessAskedToQueueIt() {
        PortalPatient adult = patient(ADULT, false, false, EMAIL);

        assertThat(policy.decide(adult, true).sends()).isFalse();
        assertThat(policy.decide(adult, true).reason()).contains("initial load");
        assertThat(new WelcomePolicy(InitialLoad.QUEUE, 18, Minors.GUARDIAN, NEW_YORK).decide(adult, true).recipient())
                .isEqualTo(Recipient.PATIENT);
    }

    @Test
    void writesToNobodyDeceasedInactiveOrWithoutEmail() {
        assertThat(policy.decide(patient(ADULT, false, true, EMAIL), false).reason()).isEqualTo("deceased");
        assertThat(policy.decide(patient(ADULT, true, false, EMAIL), false).reason()).isEqualTo("inactive");
        assertThat(policy.decide(patient(ADULT, false, false, List.of()), false).reason()).isEqualTo("no email");
        assertThat(policy.decide(patient(null, false, false, EMAIL), false).reason()).contains("no birth date");
    }

    @Test
    void countsAgeInTheFacilitysZone() {
        LocalDate eighteenInUtcToday = LocalDate.of(2008, 5, 11);

        assertThat(policy.decide(patient(eighteenInUtcToday, false, false, EMAIL), false).recipient())
                .as("still 17 on 10 May in New York").isNull();
        assertThat(policy.decide(patient(eighteenInUtcToday.minusDays(1), false, false, EMAIL), false).recipient())
                .as("18 today in New York").isEqualTo(Recipient.PATIENT);
        assertThat(new WelcomePolicy(InitialLoad.SKIP, 16, Minors.GUARDIAN, NEW_YORK)
                .decide(patient(eighteenInUtcToday, false, false, EMAIL), false).recipient())
                .as("the threshold is a setting").isEqualTo(Recipient.PATIENT);
    }

    @Test
    void welcomesAMinorThroughTheFirstParentOrGuardianWithAnEmail() {
        LocalDate child = LocalDate.of(2015, 6, 1);
        PortalPatient minor = patient(child, false, false, EMAIL,
                contact("N", "kin@example.org"), contact("C", "neighbour@example.org"),
                contact("MTH", null), contact("GUARD", "guardian@example.org"), contact("FTH", "father@example.org"));

        Welcome welcome = policy.decide(minor, false);

        assertThat(welcome.recipient()).isEqualTo(Recipient.GUARDIAN);
        assertThat(welcome.email()).as("not the minor's own address, not next-of-kin, not a guardian without email")
                .isEqualTo("guardian@example.org");
    }

    @Test
    void writesToNoMinorWithoutAGuardiansEmailOrWhenMinorsAreOff() {
        LocalDate child = LocalDate.of(2015, 6, 1);

        assertThat(policy.decide(patient(child, false, false, EMAIL, contact("N", "kin@example.org")), false).reason())
                .contains("minor without a parent or guardian");
        assertThat(new WelcomePolicy(InitialLoad.SKIP, 18, Minors.NONE, NEW_YORK)
                .decide(patient(child, false, false, EMAIL, contact("MTH", "mother@example.org")), false).reason())
                .contains("minor");
    }
}
