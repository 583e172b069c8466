package org.portalsync.insurance;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.FieldConflict;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.authority.Side;
import org.portalsync.insurance.PortalInsuranceStore.StoredInsurance;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityLog;

/**
 * Delivers one Coverage version to the portal in one transaction, under the patient's row lock: the
 * policy is merged with the portal's under the {@code insurance} rule (a policy is one value, decided as a
 * whole), a conflict is kept for the front desk, data-quality problems are recorded, and an audit row
 * written. A version older than the stored one is ignored; a deleted Coverage leaves the patient's view
 * but stays in the table. Sets the outcome header.
 */
public final class DeliverCoverage implements Processor {

    private static final AuthorityField FIELD = AuthorityField.PATIENT_INSURANCE;

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final PortalInsuranceStore policies;
    private final AuthorityRules rules;
    private final FieldConflictStore conflicts;
    private final DataQualityLog dataQuality;
    private final DeadLetterStore deadLetters;
    private final AuditTrail audit;
    private final String actor;
    private final Clock clock;

    public DeliverCoverage(PortalDatabase database, PortalPatientStore patients, PortalInsuranceStore policies, AuthorityRules rules,
            FieldConflictStore conflicts, DataQualityLog dataQuality, DeadLetterStore deadLetters, AuditTrail audit, String actor, Clock clock) {
        this.database = database;
        this.patients = patients;
        this.policies = policies;
        this.rules = rules;
        this.conflicts = conflicts;
        this.dataQuality = dataQuality;
        this.deadLetters = deadLetters;
        this.audit = audit;
        this.actor = actor;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        Object body = exchange.getMessage().getBody();
        MappedCoverage coverage = body instanceof DeletedResource ? null : exchange.getMessage().getMandatoryBody(MappedCoverage.class);
        SyncOutcome outcome = database.inTransaction(connection -> body instanceof DeletedResource deleted
                ? delete(connection, source, deleted, clock.instant())
                : deliver(connection, source, coverage, clock.instant()));
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, outcome);
    }

    /** Delivers one Coverage version in the caller's transaction (the write-back merges the EHR's current version so). */
    public SyncOutcome deliver(Connection connection, String source, MappedCoverage coverage, Instant now) throws SQLException {
        String record = "Coverage/" + coverage.coverageId();
        deadLetters.resolve(connection, source, record, now);
        long patientId = patients.findForUpdate(connection, source, coverage.beneficiaryPatientId())
                .orElseThrow(() -> new BeneficiaryNotInPortalException(record, coverage.beneficiaryPatientId()))
                .id();
        dataQuality.record(connection, source, coverage.problems(), now);
        Optional<StoredInsurance> stored = policies.findForUpdate(connection, source, coverage.coverageId());
        if (stored.isEmpty()) {
            FieldProvenance provenance = new FieldProvenance(Side.EHR, coverage.lastUpdated(), coverage.versionId(),
                    PatientFieldValues.hash(coverage.policy()));
            long id = policies.insert(connection, patientId, source, coverage.coverageId(), coverage.versionId(), coverage.lastUpdated(),
                    coverage.policy(), provenance, now);
            auditWrite(connection, "PortalInsurance.create", id, record, now);
            return SyncOutcome.CREATED;
        }
        StoredInsurance current = stored.get();
        if (current.sourceLastUpdated() != null && coverage.lastUpdated() != null && coverage.lastUpdated().isBefore(current.sourceLastUpdated())) {
            // a late page or a replayed dead letter
            return SyncOutcome.STALE;
        }
        if (Objects.equals(current.sourceVersion(), coverage.versionId()) && current.deletedAt() == null) {
            return SyncOutcome.UNCHANGED;
        }
        AuthorityRules.FieldMerge merge = rules.inboundField(FIELD, current.policy(), current.provenance(), coverage.policy(),
                coverage.lastUpdated(), coverage.versionId());
        InsurancePolicy policy = merge.portalValueKept() ? current.policy() : coverage.policy();
        policies.update(connection, current.id(), coverage.coverageId(), coverage.versionId(), coverage.lastUpdated(), policy,
                merge.provenance(), now);
        List<FieldConflict> found = merge.conflict().map(c -> List.of(new FieldConflict(c.field(), c.kept(), c.keptSetAt(), c.discarded(),
                c.discardedSetAt(), c.discardedValue(), c.ehrVersion(), c.reason() + " (" + record + ")"))).orElse(List.of());
        conflicts.record(connection, patientId, found, null, now);
        auditWrite(connection, "PortalInsurance.update", current.id(), record, now);
        return policy.equals(current.policy()) ? SyncOutcome.UNCHANGED : SyncOutcome.UPDATED;
    }

    private SyncOutcome delete(Connection connection, String source, DeletedResource deleted, Instant now) throws SQLException {
        String record = "Coverage/" + deleted.id();
        deadLetters.resolve(connection, source, record, now);
        Optional<StoredInsurance> stored = policies.findForUpdate(connection, source, deleted.id());
        if (stored.isEmpty() || stored.get().deletedAt() != null) {
            return SyncOutcome.UNCHANGED;
        }
        policies.markDeleted(connection, stored.get().id(), now);
        auditWrite(connection, "PortalInsurance.delete", stored.get().id(), record, now);
        return SyncOutcome.ARCHIVED;
    }

    private void auditWrite(Connection connection, String action, long id, String record, Instant now) throws SQLException {
        audit.record(connection, new AuditEvent(now, actor, action, "portal_insurance/" + id + " (" + record + ")", "portal-db", "success"));
    }
}
