package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        try (StatementBatches writes = new StatementBatches(connection)) {
            RecordByRecord reads = new RecordByRecord(connection, source);
            List<Created> created = new ArrayList<>(1);
            SyncOutcome outcome = deliver(reads, writes, source, record, mapped, now, created);
            insertCreated(reads, writes, created, now);
            writes.flush();
            return outcome;
        }
    }

    /** A mapped record of a page, with its reference ({@code Patient/123}). */
    public record Incoming(String record, MappedPatient mapped) {
    }

    /**
     * Delivers a page's records of one source in the caller's transaction, each exactly as
     * {@link #deliver(Connection, String, String, MappedPatient, Instant)} would, but with what they read fetched
     * for all of them at once (their rows locked in id order) and their writes sent as batches: a few dozen
     * statements for the page instead of a dozen per record. The records must be distinct.
     *
     * @return each record's outcome, in order
     */
    public List<SyncOutcome> deliverAll(Connection connection, String source, List<Incoming> records, Instant now) throws SQLException {
        List<String> refs = records.stream().map(Incoming::record).toList();
        if (new HashSet<>(refs).size() != refs.size()) {
            throw new IllegalArgumentException("a page delivered together must not hold a record twice");
        }
        deadLetters.resolveAll(connection, source, refs, now);
        List<String> sourceIds = refs.stream().map(DeliverPortalPatient::sourceId).toList();
        Map<String, StoredPatient> stored = patients.findAllForUpdate(connection, source, sourceIds);
        Set<String> problemRecords = new HashSet<>();
        records.forEach(incoming -> incoming.mapped().issues().forEach(issue -> problemRecords.add(issue.record())));
        PageReadAhead reads = new PageReadAhead(connection, source, stored, DataQualityLog.readAhead(connection, source, problemRecords),
                statuses.readAhead(connection, source, sourceIds));
        List<SyncOutcome> outcomes = new ArrayList<>(records.size());
        try (StatementBatches writes = new StatementBatches(connection)) {
            List<Created> created = new ArrayList<>();
            for (Incoming incoming : records) {
                outcomes.add(deliver(reads, writes, source, incoming.record(), incoming.mapped(), now, created));
            }
            // the page's new patients in one statement: their rows first, then what refers to them
            insertCreated(reads, writes, created, now);
            writes.flush();
        }
        return outcomes;
    }

    /** A patient the delivery creates: inserted by {@link #insertCreated}, with the others of its page. */
    private record Created(String record, PortalPatientStore.NewPatient row) {
    }

    /** Inserts the new patients a delivery decided on, then their welcomes and audit rows (which need their ids). */
    private void insertCreated(Reads reads, StatementBatches writes, List<Created> created, Instant now) throws SQLException {
        List<Long> ids = patients.insertAll(writes, created.stream().map(Created::row).toList(), now);
        for (int i = 0; i < created.size(); i++) {
            Created patient = created.get(i);
            welcomes.enqueue(writes, ids.get(i), patient.row().patient(), reads.initialLoadInProgress(), now);
            auditWrite(writes, "PortalPatient.create", ids.get(i), patient.record(), now);
        }
    }

    /** @param created where a new patient goes, to be inserted with the others of the page ({@link #insertCreated}) */
    private SyncOutcome deliver(Reads reads, StatementBatches writes, String source, String record, MappedPatient mapped, Instant now,
            List<Created> created) throws SQLException {
        String sourceId = sourceId(record);
        // whatever the outcome, the record reached the portal or the digest: its dead letters are done
        reads.resolveDeadLetters(record, now);
        if (mapped.rejected()) {
            dataQuality.record(writes, source, mapped.issues(), now, reads.waitingProblems());
            statuses.failed(writes, source, sourceId, describe(mapped), now, reads.status(sourceId));
            return SyncOutcome.REJECTED;
        }
        PortalPatient incoming = mapped.patient();
        Optional<StoredPatient> stored = reads.findForUpdate(sourceId);
        if (stored.isPresent() && SourceVersionOrder.isOlder(incoming, stored.get().patient())) {
            // a late page, a slow refresh, a replayed dead letter or a deletion the EHR has since undone
            statuses.succeeded(writes, source, sourceId, now, reads.status(sourceId));
            return SyncOutcome.STALE;
        }
        if (incoming.deletedAtSource()) {
            if (stored.isEmpty() || stored.get().patient().archived()) {
                return SyncOutcome.UNCHANGED;
            }
            patients.archive(writes, stored.get().id(), incoming.sourceVersion(), incoming.sourceLastUpdated(), now);
            statuses.succeeded(writes, source, sourceId, now, reads.status(sourceId));
            auditWrite(writes, "PortalPatient.archive", stored.get().id(), record, now);
            return SyncOutcome.ARCHIVED;
        }
        if (stored.isPresent() && incoming.sourceVersion() != null && incoming.sourceVersion().equals(stored.get().patient().sourceVersion())
                && PortalPatientDiff.same(stored.get().patient(), incoming)) {
            // the version the portal already holds, read again (a poll's overlap): nothing for the rules to decide
            statuses.clearPending(writes, source, sourceId, now, reads.status(sourceId));
            return SyncOutcome.UNCHANGED;
        }
        AuthorityRules.Merge merge = authority.inbound(stored.map(StoredPatient::patient),
                stored.map(StoredPatient::provenance).orElse(PatientProvenance.empty()), incoming);
        PortalPatient merged = merge.patient();
        SyncOutcome outcome;
        if (stored.isEmpty()) {
            created.add(new Created(record, new PortalPatientStore.NewPatient(merged, merge.provenance())));
            outcome = SyncOutcome.CREATED;
        } else {
            PortalPatient current = stored.get().patient();
            boolean sameContent = PortalPatientDiff.same(current, merged);
            boolean sameVersion = java.util.Objects.equals(current.sourceVersion(), merged.sourceVersion());
            boolean sameProvenance = merge.provenance().sameAs(merged, stored.get().provenance(), current);
            if (sameContent && sameVersion && sameProvenance) {
                statuses.clearPending(writes, source, sourceId, now, reads.status(sourceId));
                return SyncOutcome.UNCHANGED;
            }
            patients.update(writes, stored.get().id(), current, merged, merge.provenance(), now);
            conflicts.record(writes.connection(), stored.get().id(), merge.conflicts(), null, now);
            if (merge.conflicts().stream().anyMatch(c -> c.kept() == Side.PORTAL && authority.matrix().policy(c.field()).writeBack())) {
                portalValueKept.after(writes.connection(), stored.get().id(), merged.sourceVersion(), now);
            }
            auditWrite(writes, "PortalPatient.update", stored.get().id(), record, now);
            outcome = sameContent ? SyncOutcome.UNCHANGED
                    : merged.archived() && !current.archived() ? SyncOutcome.ARCHIVED : SyncOutcome.UPDATED;
        }
        dataQuality.record(writes, source, mapped.issues(), now, reads.waitingProblems());
        statuses.succeeded(writes, source, sourceId, now, reads.status(sourceId));
        return outcome;
    }

    private static String sourceId(String record) {
        return record.substring(record.indexOf('/') + 1);
    }

    /** What a delivery reads of the portal before it writes, in its transaction. */
    private interface Reads {
        void resolveDeadLetters(String record, Instant now) throws SQLException;

        Optional<StoredPatient> findForUpdate(String sourceId) throws SQLException;

        DataQualityLog.Waiting waitingProblems();

        boolean initialLoadInProgress() throws SQLException;

        SyncStatusStore.Known status(String sourceId);
    }

    /** One record's reads, each asked when it is needed. */
    private final class RecordByRecord implements Reads {
        private final Connection connection;
        private final String source;

        RecordByRecord(Connection connection, String source) {
            this.connection = connection;
            this.source = source;
        }

        @Override
        public void resolveDeadLetters(String record, Instant now) throws SQLException {
            deadLetters.resolve(connection, source, record, now);
        }

        @Override
        public Optional<StoredPatient> findForUpdate(String sourceId) throws SQLException {
            return patients.findForUpdate(connection, source, sourceId);
        }

        @Override
        public DataQualityLog.Waiting waitingProblems() {
            return DataQualityLog.askEach(connection, source);
        }

        @Override
        public boolean initialLoadInProgress() throws SQLException {
            return welcomes.initialLoadInProgress(connection, source);
        }

        @Override
        public SyncStatusStore.Known status(String sourceId) {
            return SyncStatusStore.Known.UNKNOWN;
        }
    }

    /** A page's reads, made for all its records before the first is delivered. */
    private final class PageReadAhead implements Reads {
        private final Connection connection;
        private final String source;
        private final Map<String, StoredPatient> stored;
        private final DataQualityLog.Waiting waiting;
        private final Map<String, SyncStatusStore.Known> knownStatuses;
        private Boolean initialLoadInProgress;

        PageReadAhead(Connection connection, String source, Map<String, StoredPatient> stored, DataQualityLog.Waiting waiting,
                Map<String, SyncStatusStore.Known> statuses) {
            this.connection = connection;
            this.source = source;
            this.stored = stored;
            this.waiting = waiting;
            this.knownStatuses = statuses;
        }

        @Override
        public void resolveDeadLetters(String record, Instant now) {
            // resolved for the whole page already
        }

        @Override
        public Optional<StoredPatient> findForUpdate(String sourceId) {
            return Optional.ofNullable(stored.get(sourceId));
        }

        @Override
        public DataQualityLog.Waiting waitingProblems() {
            return waiting;
        }

        @Override
        public boolean initialLoadInProgress() throws SQLException {
            if (initialLoadInProgress == null) {
                initialLoadInProgress = welcomes.initialLoadInProgress(connection, source);
            }
            return initialLoadInProgress;
        }

        @Override
        public SyncStatusStore.Known status(String sourceId) {
            return knownStatuses.getOrDefault(sourceId, SyncStatusStore.Known.UNKNOWN);
        }
    }

    private void auditWrite(StatementBatches writes, String action, long portalId, String record, Instant now) throws SQLException {
        audit.record(writes, new AuditEvent(now, actor, action, "portal_patient/" + portalId + " (" + record + ")", "portal-db", "success"));
    }

    static String describe(MappedPatient mapped) {
        return mapped.issues().stream().filter(DataQualityIssue::rejectsRecord)
                .map(issue -> issue.field() + ": " + issue.problem()).collect(Collectors.joining("; "));
    }
}
