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
            Object ehrValue = PatientFieldValues.get(field, incoming);
            FieldProvenance was = provenance.of(field, stored);
            String ehrHash = PatientFieldValues.hash(ehrValue);
            if (ehrHash.equals(was.ehrValueHash())) {
                // the EHR did not touch this field: whatever the portal holds stands
                kept.put(field, portalValue);
                continue;
            }
            if (Objects.equals(ehrValue, portalValue)) {
                // the EHR now agrees with the portal (e.g. a write-back arrived)
                merged = merged.with(field, was.seenAtEhr(ehrHash));
                continue;
            }
            Side winner = winnerOfEhrChange(field, was, ehrValue, ehrTime);
            if (winner == Side.EHR) {
                if (was.setBy() == Side.PORTAL) {
                    conflicts.add(new FieldConflict(field, Side.EHR, ehrTime, Side.PORTAL, was.setAt(),
                            PatientFieldValues.toJson(portalValue), incoming.sourceVersion(), reason(field, Side.EHR)));
                }
                merged = merged.with(field, new FieldProvenance(Side.EHR, ehrTime, incoming.sourceVersion(), ehrHash));
            } else {
                kept.put(field, portalValue);
                conflicts.add(new FieldConflict(field, Side.PORTAL, was.setAt(), Side.EHR, ehrTime,
                        PatientFieldValues.toJson(ehrValue), incoming.sourceVersion(), reason(field, Side.PORTAL)));
                merged = merged.with(field, was.seenAtEhr(ehrHash));
            }
        }
        return new Merge(PatientFieldValues.with(incoming, kept), merged, conflicts);
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
            refusal(field, initiator, change.getValue()).ifPresent(message -> {
                throw new FieldOwnedException(message);
            });
            FieldRule rule = matrix.policy(field).rule().resolve(initiator, PatientFieldValues.conditionValue(change.getValue()));
            FieldProvenance was = provenance.of(field, current);
            Object currentValue = PatientFieldValues.get(field, current);
            if (supersededBy(rule, was, submittedAt)) {
                outcomes.put(field, FieldOutcome.SUPERSEDED);
                if (was.setBy() == Side.EHR && !Objects.equals(currentValue, change.getValue())) {
                    conflicts.add(new FieldConflict(field, was.setBy(), was.setAt(), Side.PORTAL, submittedAt,
                            PatientFieldValues.toJson(change.getValue()), was.sourceVersion(), "last write wins: "
                            + was.setBy().configName() + " changed " + field.qualifiedName() + " later"));
                }
                continue;
            }
            outcomes.put(field, FieldOutcome.APPLIED);
            if (Objects.equals(currentValue, change.getValue()) && was.setBy() == Side.PORTAL) {
                continue;
            }
            applied.put(field, change.getValue());
            merged = merged.with(field, new FieldProvenance(Side.PORTAL, submittedAt, null, was.ehrValueHash()));
        }
        return new ChangeDecision(new Merge(PatientFieldValues.with(current, applied), merged, conflicts), outcomes);
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
