package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.PatientProvenance;
import org.portalsync.authority.Side;
import org.portalsync.mapping.MappedPatient;
import org.portalsync.portal.PortalPatientStore.StoredPatient;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;
import org.portalsync.welcome.WelcomeOutbox;

/**
 * Merges a mapped patient with the portal's current record under the authority rules and writes
 * the result in one transaction with everything that belongs to it: child rows, data-quality
 * rows, sync status, audit row and, for a patient new to the portal, the welcome outbox row.
 * A rejected record writes only its data-quality rows and status. A version older than the
 * stored one is ignored. Either way the record's open dead letters are resolved. Sets the outcome header.
 */
public final class DeliverPortalPatient implements Processor {

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final SyncStatusStore statuses;
    private final DataQualityLog dataQuality;
    private final AuditTrail audit;
    private final AuthorityRules authority;
    private final DeadLetterStore deadLetters;
    private final String actor;
    private final Clock clock;
    private final WelcomeOutbox welcomes;
    private final FieldConflictStore conflicts;
    private final PortalValueKept portalValueKept;

    public DeliverPortalPatient(PortalDatabase database, PortalPatientStore patients, SyncStatusStore statuses,
            DataQualityLog dataQuality, AuditTrail audit, AuthorityRules authority, DeadLetterStore deadLetters, String actor, Clock clock,
            WelcomeOutbox welcomes, FieldConflictStore conflicts, PortalValueKept portalValueKept) {
        this.database = database;
        this.patients = patients;
        this.statuses = statuses;
        this.dataQuality = dataQuality;
        this.audit = audit;
        this.authority = authority;
        this.deadLetters = deadLetters;
        this.actor = actor;
        this.clock = clock;
        this.welcomes = welcomes;
        this.conflicts = conflicts;
        this.portalValueKept = portalValueKept;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        MappedPatient mapped = exchange.getMessage().getMandatoryBody(MappedPatient.class);
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        String record = exchange.getMessage().getHeader(SyncHeaders.RECORD, String.class);
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, deliver(source, record, mapped));
    }

    /** Delivers one mapped record from {@code source} in its own transaction. */
    public SyncOutcome deliver(String source, String record, MappedPatient mapped) {
        SyncOutcome outcome;
        try {
            outcome = database.inTransaction(connection -> deliver(connection, source, record, mapped, clock.instant()));
        } catch (PortalDatabaseException e) {
            if (!DuplicateKey.isCause(e)) {
                throw e;
            }
            // another delivery of the same new patient (a refresh racing a poll) inserted it first:
            // once more, now as an update under the row lock, so the newer version wins
            outcome = database.inTransaction(connection -> deliver(connection, source, record, mapped, clock.instant()));
        }
        return outcome;
    }

    /** Delivers one mapped record in the caller's transaction (which may already hold the patient's row lock). */
    public SyncOutcome deliver(Connection connection, String source, String record, MappedPatient mapped, Instant now)
            throws SQLException {
        String sourceId = record.substring(record.indexOf('/') + 1);
        // whatever the outcome, the record reached the portal or the digest: its dead letters are done
        deadLetters.resolve(connection, source, record, now);
        if (mapped.rejected()) {
            dataQuality.record(connection, source, mapped.issues(), now);
            statuses.failed(connection, source, sourceId, describe(mapped), now);
            return SyncOutcome.REJECTED;
        }
        PortalPatient incoming = mapped.patient();
        Optional<StoredPatient> stored = patients.findForUpdate(connection, source, sourceId);
        if (stored.isPresent() && SourceVersionOrder.isOlder(incoming, stored.get().patient())) {
            // a late page, a slow refresh, a replayed dead letter or a deletion the EHR has since undone
            statuses.succeeded(connection, source, sourceId, now);
            return SyncOutcome.STALE;
        }
        if (incoming.deletedAtSource()) {
            if (stored.isEmpty() || stored.get().patient().archived()) {
                return SyncOutcome.UNCHANGED;
            }
            patients.archive(connection, stored.get().id(), incoming.sourceVersion(), incoming.sourceLastUpdated(), now);
            statuses.succeeded(connection, source, sourceId, now);
            auditWrite(connection, "PortalPatient.archive", stored.get().id(), record, now);
            return SyncOutcome.ARCHIVED;
        }
        if (stored.isPresent() && incoming.sourceVersion() != null && incoming.sourceVersion().equals(stored.get().patient().sourceVersion())
                && PortalPatientDiff.same(stored.get().patient(), incoming)) {
            // the version the portal already holds, read again (a poll's overlap): nothing for the rules to decide
            statuses.clearPending(connection, source, sourceId, now);
            return SyncOutcome.UNCHANGED;
        }
        AuthorityRules.Merge merge = authority.inbound(stored.map(StoredPatient::patient),
                stored.map(StoredPatient::provenance).orElse(PatientProvenance.empty()), incoming);
        PortalPatient merged = merge.patient();
        SyncOutcome outcome;
        if (stored.isEmpty()) {
            long id = patients.insert(connection, merged, merge.provenance(), now);
            welcomes.enqueue(connection, id, merged, now);
            auditWrite(connection, "PortalPatient.create", id, record, now);
            outcome = SyncOutcome.CREATED;
        } else {
            PortalPatient current = stored.get().patient();
            boolean sameContent = PortalPatientDiff.same(current, merged);
            boolean sameVersion = java.util.Objects.equals(current.sourceVersion(), merged.sourceVersion());
            boolean sameProvenance = merge.provenance().sameAs(merged, stored.get().provenance(), current);
            if (sameContent && sameVersion && sameProvenance) {
                statuses.clearPending(connection, source, sourceId, now);
                return SyncOutcome.UNCHANGED;
            }
            patients.update(connection, stored.get().id(), current, merged, merge.provenance(), now);
            conflicts.record(connection, stored.get().id(), merge.conflicts(), null, now);
            if (merge.conflicts().stream().anyMatch(c -> c.kept() == Side.PORTAL && authority.matrix().policy(c.field()).writeBack())) {
                portalValueKept.after(connection, stored.get().id(), merged.sourceVersion(), now);
            }
            auditWrite(connection, "PortalPatient.update", stored.get().id(), record, now);
            outcome = sameContent ? SyncOutcome.UNCHANGED
                    : merged.archived() && !current.archived() ? SyncOutcome.ARCHIVED : SyncOutcome.UPDATED;
        }
        dataQuality.record(connection, source, mapped.issues(), now);
        statuses.succeeded(connection, source, sourceId, now);
        return outcome;
    }

    private void auditWrite(Connection connection, String action, long portalId, String record, Instant now) throws SQLException {
        audit.record(connection, new AuditEvent(now, actor, action, "portal_patient/" + portalId + " (" + record + ")", "portal-db", "success"));
    }

    static String describe(MappedPatient mapped) {
        return mapped.issues().stream().filter(DataQualityIssue::rejectsRecord)
                .map(issue -> issue.field() + ": " + issue.problem()).collect(Collectors.joining("; "));
    }
}
