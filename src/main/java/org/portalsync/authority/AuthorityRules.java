package org.portalsync.authority;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.portalsync.portal.PortalPatient;

/**
 * Enforces {@code config/authority.yaml} field by field, in both directions: what an EHR version may
 * change in the portal's record ({@link #inbound}), what a change submitted by the portal may change
 * ({@link #portalChange}), and which portal values the EHR does not have yet ({@link #pendingWriteBack}).
 * Called with the portal record locked, so the record and its provenance cannot change under it. Stateless.
 *
 * <p>"The EHR changed a field" means: the EHR's value differs from the one it sent last (its hash is in
 * the provenance), not merely from the portal's. A new EHR version that changed another field does not
 * undo a portal change the EHR has not received yet.
 */
public final class AuthorityRules {

    /**
     * One field after an EHR version.
     *
     * @param portalValueKept true: the portal's value stands; false: the EHR's value is the field's value now
     * @param conflict        the value the rules discarded, if both sides had changed the field
     */
    public record FieldMerge(boolean portalValueKept, FieldProvenance provenance, Optional<FieldConflict> conflict) {
    }

    /**
     * One field of a portal change after the rules.
     *
     * @param store true when the portal's record takes the new value (false when it lost, or holds it already)
     */
    public record FieldChange(FieldOutcome outcome, boolean store, FieldProvenance provenance, Optional<FieldConflict> conflict) {
    }

    /** A record after a merge, and what the merge discarded. */
    public record Merge(PortalPatient patient, PatientProvenance provenance, List<FieldConflict> conflicts) {
    }

    /** What became of each field of a portal change. */
    public enum FieldOutcome {
        /** The portal's value now stands. */
        APPLIED,
        /** A later change from the other side won under last-write-wins. */
        SUPERSEDED
    }

    /** A portal change after the rules: the record to store and the outcome per field. */
    public record ChangeDecision(Merge merge, Map<AuthorityField, FieldOutcome> outcomes) {
    }

    private final AuthorityMatrix matrix;

    public AuthorityRules(AuthorityMatrix matrix) {
        this.matrix = matrix;
    }

    public AuthorityMatrix matrix() {
        return matrix;
    }

    /**
     * Merges an EHR version into the portal's record.
     *
     * @param current  the portal's record and provenance, empty for a patient new to the portal
     * @param incoming the record as mapped from the EHR; its {@code sourceLastUpdated} is when the EHR changed it
     */
    public Merge inbound(Optional<PortalPatient> current, PatientProvenance provenance, PortalPatient incoming) {
        Instant ehrTime = incoming.sourceLastUpdated();
        if (current.isEmpty()) {
            // every field as the EHR sent it: nothing to store, PatientProvenance.of derives it from the record
            return new Merge(incoming, PatientProvenance.empty(), List.of());
        }
        PortalPatient stored = current.get();
        Map<AuthorityField, Object> kept = new EnumMap<>(AuthorityField.class);
        List<FieldConflict> conflicts = new ArrayList<>();
        PatientProvenance merged = provenance.complete(stored);
        for (AuthorityField field : PatientFieldValues.syncedPatientFields()) {
            Object portalValue = PatientFieldValues.get(field, stored);
            FieldMerge merge = inboundField(field, portalValue, provenance.of(field, stored), PatientFieldValues.get(field, incoming),
                    ehrTime, incoming.sourceVersion());
            if (merge.portalValueKept()) {
                kept.put(field, portalValue);
            }
            merged = merged.with(field, merge.provenance());
            merge.conflict().ifPresent(conflicts::add);
        }
        return new Merge(PatientFieldValues.with(incoming, kept), merged, conflicts);
    }

    /**
     * Merges the EHR's value of one field into the portal's: the step {@link #inbound} takes for each
     * field of a patient, and the whole merge of a record that is one field (an insurance policy).
     *
     * @param was the field's provenance in the portal
     */
    public FieldMerge inboundField(AuthorityField field, Object portalValue, FieldProvenance was, Object ehrValue, Instant ehrTime,
            String ehrVersion) {
        String ehrHash = PatientFieldValues.hash(ehrValue);
        if (ehrHash.equals(was.ehrValueHash())) {
            // the EHR did not touch this field: whatever the portal holds stands
            return new FieldMerge(true, was, Optional.empty());
        }
        if (Objects.equals(ehrValue, portalValue)) {
            // the EHR now agrees with the portal (e.g. a write-back arrived)
            return new FieldMerge(false, was.seenAtEhr(ehrHash), Optional.empty());
        }
        Side winner = winnerOfEhrChange(field, was, ehrValue, ehrTime);
        if (winner == Side.EHR) {
            Optional<FieldConflict> conflict = was.setBy() == Side.PORTAL
                    ? Optional.of(new FieldConflict(field, Side.EHR, ehrTime, Side.PORTAL, was.setAt(), PatientFieldValues.toJson(portalValue),
                            ehrVersion, reason(field, Side.EHR)))
                    : Optional.empty();
            return new FieldMerge(false, new FieldProvenance(Side.EHR, ehrTime, ehrVersion, ehrHash), conflict);
        }
        return new FieldMerge(true, was.seenAtEhr(ehrHash), Optional.of(new FieldConflict(field, Side.PORTAL, was.setAt(), Side.EHR,
                ehrTime, PatientFieldValues.toJson(ehrValue), ehrVersion, reason(field, Side.PORTAL))));
    }

    /**
     * @return true when {@code config/authority.yaml} gives the EHR this field for a change the EHR makes to this value:
     *         a difference the portal holds is then the EHR's to correct (the daily reconciliation's repair)
     */
    public boolean ehrDecides(AuthorityField field, Object ehrValue) {
        return matrix.policy(field).rule().resolve(Initiator.EHR, PatientFieldValues.conditionValue(ehrValue)) instanceof FieldRule.Owner owner
                && owner.side() == Side.EHR;
    }

    private Side winnerOfEhrChange(AuthorityField field, FieldProvenance was, Object ehrValue, Instant ehrTime) {
        if (was.setBy() == Side.EHR) {
            // the portal holds the EHR's own earlier value: nothing of the portal's to defend
            return Side.EHR;
        }
        FieldRule rule = matrix.policy(field).rule().resolve(Initiator.EHR, PatientFieldValues.conditionValue(ehrValue));
        if (rule instanceof FieldRule.Owner owner) {
            return owner.side();
        }
        return later(ehrTime, Side.EHR, was.setAt(), Side.PORTAL);
    }

    /** Last write wins: the side with the later time; equal (or unknown) times go to the configured side. */
    private Side later(Instant aTime, Side a, Instant bTime, Side b) {
        if (aTime == null || bTime == null || aTime.equals(bTime)) {
            return matrix.tie();
        }
        return aTime.isAfter(bTime) ? a : b;
    }

    /**
     * Applies a change the portal submitted, field by field.
     *
     * @param values      the new values, each in its field's canonical form
     * @param submittedAt when the portal made the change: the time it competes with under last-write-wins
     * @throws FieldOwnedException for a field the rules give the EHR for this change (the API refuses those up front)
     */
    public ChangeDecision portalChange(PortalPatient current, PatientProvenance provenance, Map<AuthorityField, Object> values,
            Initiator initiator, Instant submittedAt) {
        Map<AuthorityField, Object> applied = new EnumMap<>(AuthorityField.class);
        Map<AuthorityField, FieldOutcome> outcomes = new EnumMap<>(AuthorityField.class);
        List<FieldConflict> conflicts = new ArrayList<>();
        PatientProvenance merged = provenance.complete(current);
        for (Map.Entry<AuthorityField, Object> change : values.entrySet()) {
            AuthorityField field = change.getKey();
            FieldChange decision = portalChangeField(field, PatientFieldValues.get(field, current), provenance.of(field, current),
                    change.getValue(), initiator, submittedAt);
            outcomes.put(field, decision.outcome());
            decision.conflict().ifPresent(conflicts::add);
            if (decision.store()) {
                applied.put(field, change.getValue());
                merged = merged.with(field, decision.provenance());
            }
        }
        return new ChangeDecision(new Merge(PatientFieldValues.with(current, applied), merged, conflicts), outcomes);
    }

    /**
     * Applies the portal's new value of one field: the step {@link #portalChange} takes for each field,
     * and the whole decision for a record that is one field (an insurance policy).
     *
     * @throws FieldOwnedException for a field the rules give the EHR for this change
     */
    public FieldChange portalChangeField(AuthorityField field, Object currentValue, FieldProvenance was, Object newValue, Initiator initiator,
            Instant submittedAt) {
        refusal(field, initiator, newValue).ifPresent(message -> {
            throw new FieldOwnedException(message);
        });
        FieldRule rule = matrix.policy(field).rule().resolve(initiator, PatientFieldValues.conditionValue(newValue));
        if (supersededBy(rule, was, submittedAt)) {
            Optional<FieldConflict> conflict = was.setBy() == Side.EHR && !Objects.equals(currentValue, newValue)
                    ? Optional.of(new FieldConflict(field, was.setBy(), was.setAt(), Side.PORTAL, submittedAt, PatientFieldValues.toJson(newValue),
                            was.sourceVersion(), "last write wins: " + was.setBy().configName() + " changed " + field.qualifiedName() + " later"))
                    : Optional.empty();
            return new FieldChange(FieldOutcome.SUPERSEDED, false, was, conflict);
        }
        if (Objects.equals(currentValue, newValue) && was.setBy() == Side.PORTAL) {
            return new FieldChange(FieldOutcome.APPLIED, false, was, Optional.empty());
        }
        return new FieldChange(FieldOutcome.APPLIED, true, new FieldProvenance(Side.PORTAL, submittedAt, null, was.ehrValueHash()),
                Optional.empty());
    }

    /**
     * A portal change loses to a later portal change of the same field under any rule (changes may be
     * processed out of order), and to a later EHR change under last-write-wins.
     */
    private boolean supersededBy(FieldRule rule, FieldProvenance was, Instant submittedAt) {
        if (was.setAt() == null) {
            return false;
        }
        if (was.setBy() == Side.PORTAL) {
            return was.setAt().isAfter(submittedAt);
        }
        return rule instanceof FieldRule.LastWriteWins && later(submittedAt, Side.PORTAL, was.setAt(), Side.EHR) == Side.EHR;
    }

    /**
     * @return why the portal may not make this change (the EHR decides the field for it), or empty when it may
     */
    public Optional<String> refusal(AuthorityField field, Initiator initiator, Object value) {
        if (!field.synced()) {
            return Optional.of(field.qualifiedName() + " is not synced by this engine yet");
        }
        FieldRule rule = matrix.policy(field).rule().resolve(initiator, PatientFieldValues.conditionValue(value));
        if (rule.alwaysEhr()) {
            return Optional.of(field.qualifiedName() + " is decided by the EHR (" + matrix.file() + ": "
                    + matrix.policy(field).rule().describe() + "): change it in the EHR");
        }
        return Optional.empty();
    }

    /** @return the fields whose portal value the EHR should get and does not have yet */
    public Set<AuthorityField> pendingWriteBack(PortalPatient current, PatientProvenance provenance) {
        Set<AuthorityField> pending = EnumSet.noneOf(AuthorityField.class);
        for (AuthorityField field : PatientFieldValues.syncedPatientFields()) {
            if (matrix.policy(field).writeBack()
                    && provenance.of(field, current).portalAheadOfEhr(PatientFieldValues.hash(PatientFieldValues.get(field, current)))) {
                pending.add(field);
            }
        }
        return pending;
    }

    private String reason(AuthorityField field, Side winner) {
        FieldRule rule = matrix.policy(field).rule();
        return rule instanceof FieldRule.Owner ? winner.configName() + " owns " + field.qualifiedName()
                : field.qualifiedName() + ": " + rule.describe() + " (" + winner.configName() + " won)";
    }
}
