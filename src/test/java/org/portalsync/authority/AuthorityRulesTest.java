package org.portalsync.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.portalsync.authority.AuthorityRules.FieldOutcome;
import org.portalsync.authority.AuthorityRules.Merge;
import org.portalsync.portal.ContactPoint;
import org.portalsync.portal.PersonName;
import org.portalsync.portal.PortalPatient;
import org.portalsync.portal.PostalAddress;

/** Every rule kind, in both directions, on the merge alone; the sandbox ITs show the same against a real EHR. */
class AuthorityRulesTest {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final List<ContactPoint> EHR_PHONE = List.of(new ContactPoint("+15035550101", "home", null));
    private static final List<ContactPoint> PORTAL_PHONE = List.of(new ContactPoint("+15035550199", "mobile", null));
    private static final List<ContactPoint> EHR_EMAIL = List.of(new ContactPoint("old@example.org", "home", null));
    private static final List<ContactPoint> PORTAL_EMAIL = List.of(new ContactPoint("new@example.org", "home", null));
    private static final List<PostalAddress> ADDRESS = List.of(new PostalAddress("home", List.of("1 Main St"), "Salem", "OR", "97301", "US", null, null));

    private final AuthorityRules shipped = new AuthorityRules(AuthorityFile.defaults());

    private static PortalPatient ehr(String version, Instant lastUpdated, List<ContactPoint> phones, List<ContactPoint> emails,
            List<PostalAddress> addresses) {
        return new PortalPatient("ehr", "p1", version, lastUpdated, "MRN1", new PersonName(null, "Ada", "Lovelace", null), null,
                LocalDate.of(1980, 1, 2), "female", "en", false, false, null, phones, emails, addresses, List.of());
    }

    /** The portal's state after the EHR's first version. */
    private Merge firstLoad() {
        return shipped.inbound(Optional.empty(), PatientProvenance.empty(), ehr("1", T0, EHR_PHONE, EHR_EMAIL, List.of()));
    }

    private Merge portalChange(AuthorityRules rules, Merge state, AuthorityField field, Object value, Initiator by, Instant at) {
        AuthorityRules.ChangeDecision decision = rules.portalChange(state.patient(), state.provenance(), Map.of(field, value), by, at);
        return decision.merge();
    }

    @Test
    void aNewPatientTakesEveryFieldFromTheEhrWithItsVersion() {
        Merge merge = firstLoad();
        assertThat(merge.patient().phones()).isEqualTo(EHR_PHONE);
        FieldProvenance phones = merge.provenance().of(AuthorityField.PATIENT_PHONES, merge.patient());
        assertThat(phones).isEqualTo(new FieldProvenance(Side.EHR, T0, "1", PatientFieldValues.hash(EHR_PHONE)));
        // the initial load stores no provenance: it is derived from the record until a field changes
        assertThat(merge.provenance().toJson(merge.patient())).isNull();
        assertThat(merge.conflicts()).isEmpty();
    }

    @Test
    void ehrRule_theEhrChangesItAndThePortalIsRefused() {
        Merge loaded = firstLoad();
        PortalPatient renamed = new PortalPatient("ehr", "p1", "2", T0.plusSeconds(60), "MRN1", new PersonName(null, "Ada", "King", null), null,
                LocalDate.of(1980, 1, 2), "female", "en", false, false, null, EHR_PHONE, EHR_EMAIL, List.of(), List.of());
        Merge merge = shipped.inbound(Optional.of(loaded.patient()), loaded.provenance(), renamed);
        assertThat(merge.patient().legalName().family()).isEqualTo("King");
        assertThat(shipped.refusal(AuthorityField.PATIENT_LEGAL_NAME, Initiator.PATIENT, null)).get().asString()
                .contains("patient.legal-name is decided by the EHR");
        assertThatThrownBy(() -> portalChange(shipped, merge, AuthorityField.PATIENT_LEGAL_NAME,
                new PatientFieldValues.LegalName(new PersonName(null, "A", "B", null), null), Initiator.STAFF, T0.plusSeconds(90)))
                .isInstanceOf(FieldOwnedException.class);
    }

    @Test
    void portalRule_anEhrChangeDoesNotOverwriteThePortalsValueAndIsRecorded() {
        Merge changed = portalChange(shipped, firstLoad(), AuthorityField.PATIENT_EMAILS, PORTAL_EMAIL, Initiator.PATIENT, T0.plusSeconds(60));
        assertThat(changed.patient().emails()).isEqualTo(PORTAL_EMAIL);
        assertThat(shipped.pendingWriteBack(changed.patient(), changed.provenance())).containsExactly(AuthorityField.PATIENT_EMAILS);

        List<ContactPoint> frontDesk = List.of(new ContactPoint("desk@example.org", "home", null));
        Merge merge = shipped.inbound(Optional.of(changed.patient()), changed.provenance(), ehr("2", T0.plusSeconds(120), EHR_PHONE, frontDesk, List.of()));
        assertThat(merge.patient().emails()).isEqualTo(PORTAL_EMAIL);
        assertThat(merge.conflicts()).singleElement().satisfies(conflict -> {
            assertThat(conflict.field()).isEqualTo(AuthorityField.PATIENT_EMAILS);
            assertThat(conflict.kept()).isEqualTo(Side.PORTAL);
            assertThat(conflict.discardedValue().get(0).get("value").asText()).isEqualTo("desk@example.org");
        });
        // the portal's value is still to be written to the EHR
        assertThat(shipped.pendingWriteBack(merge.patient(), merge.provenance())).containsExactly(AuthorityField.PATIENT_EMAILS);
        // the same EHR value again is no new conflict
        Merge again = shipped.inbound(Optional.of(merge.patient()), merge.provenance(), ehr("3", T0.plusSeconds(180), EHR_PHONE, frontDesk, ADDRESS));
        assertThat(again.conflicts()).isEmpty();
        assertThat(again.patient().emails()).isEqualTo(PORTAL_EMAIL);
    }

    @Test
    void portalRule_whileThePortalNeverSetTheFieldTheEhrsChangesComeIn() {
        Merge loaded = firstLoad();
        Merge merge = shipped.inbound(Optional.of(loaded.patient()), loaded.provenance(), ehr("2", T0.plusSeconds(60), EHR_PHONE, PORTAL_EMAIL, List.of()));
        assertThat(merge.patient().emails()).isEqualTo(PORTAL_EMAIL);
        assertThat(merge.conflicts()).isEmpty();
    }

    @Test
    void portalRule_theEhrTakingThePortalsValueClearsTheWriteBack() {
        Merge changed = portalChange(shipped, firstLoad(), AuthorityField.PATIENT_EMAILS, PORTAL_EMAIL, Initiator.PATIENT, T0.plusSeconds(60));
        Merge written = shipped.inbound(Optional.of(changed.patient()), changed.provenance(), ehr("2", T0.plusSeconds(61), EHR_PHONE, PORTAL_EMAIL, List.of()));
        assertThat(shipped.pendingWriteBack(written.patient(), written.provenance())).isEmpty();
        assertThat(written.provenance().of(AuthorityField.PATIENT_EMAILS, written.patient()).setBy()).isEqualTo(Side.PORTAL);
        assertThat(written.conflicts()).isEmpty();
    }

    @Test
    void lastWriteWins_aLaterEhrChangeWins() {
        Merge changed = portalChange(shipped, firstLoad(), AuthorityField.PATIENT_PHONES, PORTAL_PHONE, Initiator.PATIENT, T0.plusSeconds(60));
        List<ContactPoint> later = List.of(new ContactPoint("+15035550177", "work", null));
        Merge merge = shipped.inbound(Optional.of(changed.patient()), changed.provenance(), ehr("2", T0.plusSeconds(61), later, EHR_EMAIL, List.of()));
        assertThat(merge.patient().phones()).isEqualTo(later);
        assertThat(merge.conflicts()).singleElement().satisfies(c -> assertThat(c.kept()).isEqualTo(Side.EHR));
        assertThat(shipped.pendingWriteBack(merge.patient(), merge.provenance())).isEmpty();
    }

    @Test
    void lastWriteWins_anEarlierEhrChangeLosesToTheLaterPortalChange() {
        Merge changed = portalChange(shipped, firstLoad(), AuthorityField.PATIENT_PHONES, PORTAL_PHONE, Initiator.PATIENT, T0.plusSeconds(60));
        List<ContactPoint> earlier = List.of(new ContactPoint("+15035550177", "work", null));
        Merge merge = shipped.inbound(Optional.of(changed.patient()), changed.provenance(), ehr("2", T0.plusSeconds(59), earlier, EHR_EMAIL, List.of()));
        assertThat(merge.patient().phones()).isEqualTo(PORTAL_PHONE);
        assertThat(merge.conflicts()).singleElement().satisfies(c -> assertThat(c.kept()).isEqualTo(Side.PORTAL));
        assertThat(shipped.pendingWriteBack(merge.patient(), merge.provenance())).containsExactly(AuthorityField.PATIENT_PHONES);
    }

    @Test
    void lastWriteWins_aPortalChangeOlderThanTheEhrsLatestIsSuperseded() {
        Merge loaded = firstLoad();
        AuthorityRules.ChangeDecision decision = shipped.portalChange(loaded.patient(), loaded.provenance(),
                Map.of(AuthorityField.PATIENT_PHONES, PORTAL_PHONE), Initiator.PATIENT, T0.minusSeconds(1));
        assertThat(decision.outcomes()).containsEntry(AuthorityField.PATIENT_PHONES, FieldOutcome.SUPERSEDED);
        assertThat(decision.merge().patient().phones()).isEqualTo(EHR_PHONE);
        assertThat(decision.merge().conflicts()).singleElement().satisfies(c -> assertThat(c.discarded()).isEqualTo(Side.PORTAL));
    }

    @Test
    void lastWriteWins_anEhrVersionThatChangedAnotherFieldDoesNotUndoAPortalChange() {
        Merge changed = portalChange(shipped, firstLoad(), AuthorityField.PATIENT_PHONES, PORTAL_PHONE, Initiator.PATIENT, T0.plusSeconds(60));
        // the front desk adds an address a minute later: the EHR's version still has the old phone
        Merge merge = shipped.inbound(Optional.of(changed.patient()), changed.provenance(), ehr("2", T0.plusSeconds(120), EHR_PHONE, EHR_EMAIL, ADDRESS));
        assertThat(merge.patient().phones()).isEqualTo(PORTAL_PHONE);
        assertThat(merge.patient().addresses()).isEqualTo(ADDRESS);
        assertThat(merge.conflicts()).isEmpty();
    }

    @Test
    void lastWriteWins_equalTimesGoToTheConfiguredSideWhicheverArrivesFirst() {
        for (Side tie : Side.values()) {
            AuthorityRules rules = new AuthorityRules(new AuthorityMatrix(AuthorityFile.defaults().policies(), tie, "t"));
            Instant same = T0.plusSeconds(60);
            List<ContactPoint> ehrPhone = List.of(new ContactPoint("+15035550177", "work", null));
            Merge loaded = rules.inbound(Optional.empty(), PatientProvenance.empty(), ehr("1", T0, EHR_PHONE, EHR_EMAIL, List.of()));
            // portal first, then the EHR version of the same instant
            Merge portalFirst = portalChange(rules, loaded, AuthorityField.PATIENT_PHONES, PORTAL_PHONE, Initiator.PATIENT, same);
            portalFirst = rules.inbound(Optional.of(portalFirst.patient()), portalFirst.provenance(), ehr("2", same, ehrPhone, EHR_EMAIL, List.of()));
            // the EHR version first, then the portal change of the same instant
            Merge ehrFirst = rules.inbound(Optional.of(loaded.patient()), loaded.provenance(), ehr("2", same, ehrPhone, EHR_EMAIL, List.of()));
            ehrFirst = portalChange(rules, ehrFirst, AuthorityField.PATIENT_PHONES, PORTAL_PHONE, Initiator.PATIENT, same);
            List<ContactPoint> expected = tie == Side.EHR ? ehrPhone : PORTAL_PHONE;
            assertThat(portalFirst.patient().phones()).as("tie " + tie + ", portal first").isEqualTo(expected);
            assertThat(ehrFirst.patient().phones()).as("tie " + tie + ", EHR first").isEqualTo(expected);
        }
    }

    @Test
    void anOlderPortalChangeNeverOverwritesANewerOne() {
        Merge newer = portalChange(shipped, firstLoad(), AuthorityField.PATIENT_EMAILS, PORTAL_EMAIL, Initiator.PATIENT, T0.plusSeconds(120));
        AuthorityRules.ChangeDecision older = shipped.portalChange(newer.patient(), newer.provenance(),
                Map.of(AuthorityField.PATIENT_EMAILS, EHR_EMAIL), Initiator.PATIENT, T0.plusSeconds(60));
        assertThat(older.outcomes()).containsEntry(AuthorityField.PATIENT_EMAILS, FieldOutcome.SUPERSEDED);
        assertThat(older.merge().patient().emails()).isEqualTo(PORTAL_EMAIL);
    }

    @Test
    void conditional_staffMayChangeAddressesPatientsMayNotAndTheEhrDecidesItsOwnChanges() {
        AuthorityRules rules = new AuthorityRules(AuthorityFile.parse("t.yaml",
                "patient:\n  addresses:\n    when:\n      - initiated-by: staff\n        rule: portal\n    otherwise: ehr\n"));
        Merge loaded = rules.inbound(Optional.empty(), PatientProvenance.empty(), ehr("1", T0, EHR_PHONE, EHR_EMAIL, List.of()));
        assertThat(rules.refusal(AuthorityField.PATIENT_ADDRESSES, Initiator.PATIENT, ADDRESS)).isPresent();
        assertThat(rules.refusal(AuthorityField.PATIENT_ADDRESSES, Initiator.STAFF, ADDRESS)).isEmpty();
        Merge staff = portalChange(rules, loaded, AuthorityField.PATIENT_ADDRESSES, ADDRESS, Initiator.STAFF, T0.plusSeconds(60));
        assertThat(staff.patient().addresses()).isEqualTo(ADDRESS);
        // an EHR change of the field resolves 'otherwise: ehr', even though its time is earlier
        List<PostalAddress> ehrAddress = List.of(new PostalAddress("home", List.of("9 Elm St"), "Salem", "OR", "97302", "US", null, null));
        Merge merge = rules.inbound(Optional.of(staff.patient()), staff.provenance(), ehr("2", T0.plusSeconds(30), EHR_PHONE, EHR_EMAIL, ehrAddress));
        assertThat(merge.patient().addresses()).isEqualTo(ehrAddress);
        assertThat(merge.conflicts()).singleElement().satisfies(c -> assertThat(c.kept()).isEqualTo(Side.EHR));
    }

    @Test
    void conditional_onAValue() {
        AuthorityRules rules = new AuthorityRules(AuthorityFile.parse("t.yaml",
                "patient:\n  gender:\n    when:\n      - initiated-by: patient\n        value: [unknown, other]\n        rule: portal\n    otherwise: ehr\n"));
        assertThat(rules.refusal(AuthorityField.PATIENT_GENDER, Initiator.PATIENT, "other")).isEmpty();
        assertThat(rules.refusal(AuthorityField.PATIENT_GENDER, Initiator.PATIENT, "male")).isPresent();
    }

    @Test
    void appointmentFieldsFollowTheirRulesNowThatTheyAreSynced() {
        assertThat(AuthorityField.of(AuthorityField.Entity.APPOINTMENT)).allMatch(AuthorityField::synced);
        assertThat(shipped.refusal(AuthorityField.APPOINTMENT_START, Initiator.PATIENT, null)).isEmpty();
        assertThat(shipped.refusal(AuthorityField.APPOINTMENT_START, Initiator.STAFF, null)).get().asString().contains("decided by the EHR");
    }
}
