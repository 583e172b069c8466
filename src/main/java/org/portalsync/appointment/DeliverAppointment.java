package org.portalsync.appointment;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.FieldConflict;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.SourceVersionOrder;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityLog;

/**
 * Delivers one Appointment version to the portal in one transaction, under the patient's row lock: merged field
 * by field with the portal's under the {@code appointment} rules of {@code config/authority.yaml}, each conflict
 * kept for the front desk naming the Appointment, data-quality problems recorded, an audit row written.
 * A version older than the stored one is ignored (as for patients: {@link SourceVersionOrder}). A cancelled or
 * no-show appointment stays in the patient's view with that status; one entered in error, or deleted at the EHR,
 * leaves it ({@code deleted_at}) but stays in the table. Sets the outcome header.
 */
public final class DeliverAppointment implements Processor {

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final PortalAppointmentStore appointments;
    private final AuthorityRules rules;
    private final FieldConflictStore conflicts;
    private final DataQualityLog dataQuality;
    private final DeadLetterStore deadLetters;
    private final AuditTrail audit;
    private final String actor;
    private final Clock clock;

    public DeliverAppointment(PortalDatabase database, PortalPatientStore patients, PortalAppointmentStore appointments, AuthorityRules rules,
            FieldConflictStore conflicts, DataQualityLog dataQuality, DeadLetterStore deadLetters, AuditTrail audit, String actor, Clock clock) {
        this.database = database;
        this.patients = patients;
        this.appointments = appointments;
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
        MappedAppointment appointment = body instanceof DeletedResource ? null : exchange.getMessage().getMandatoryBody(MappedAppointment.class);
        SyncOutcome outcome = database.inTransaction(connection -> body instanceof DeletedResource deleted
                ? delete(connection, source, deleted, clock.instant())
                : deliver(connection, source, appointment, clock.instant()));
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, outcome);
    }

    /** Delivers one Appointment version in the caller's transaction. */
    public SyncOutcome deliver(Connection connection, String source, MappedAppointment appointment, Instant now) throws SQLException {
        String record = appointment.record();
        deadLetters.resolve(connection, source, record, now);
        long patientId = patients.lock(connection, source, appointment.patientId())
                .orElseThrow(() -> new PatientNotInPortalException(record, appointment.patientId()));
        dataQuality.record(connection, source, appointment.problems(), now);
        Optional<StoredAppointment> stored = appointments.findForUpdate(connection, source, appointment.appointmentId());
        if (stored.isEmpty()) {
            AppointmentProvenance provenance = AppointmentProvenance.fromEhr(appointment.details(), appointment.lastUpdated(),
                    appointment.versionId());
            long id = appointments.insert(connection, patientId, source, appointment, provenance,
                    appointment.details().outOfView() ? now : null, now);
            auditWrite(connection, "PortalAppointment.create", id, record, now);
            return SyncOutcome.CREATED;
        }
        StoredAppointment current = stored.get();
        if (SourceVersionOrder.isOlder(appointment.versionId(), appointment.lastUpdated(), current.sourceVersion(), current.sourceLastUpdated())) {
            // a late page, a slow refresh or a replayed dead letter
            return SyncOutcome.STALE;
        }
        if (Objects.equals(current.sourceVersion(), appointment.versionId()) && current.patientId() == patientId
                && (current.deletedAt() == null) == !appointment.details().outOfView()) {
            return SyncOutcome.UNCHANGED;
        }
        Map<AuthorityField, Object> kept = new EnumMap<>(AuthorityField.class);
        AppointmentProvenance provenance = current.provenance();
        List<FieldConflict> found = new ArrayList<>();
        for (AuthorityField field : AppointmentProvenance.FIELDS) {
            Object portalValue = current.details().get(field);
            AuthorityRules.FieldMerge merge = rules.inboundField(field, portalValue, current.provenance().of(field),
                    appointment.details().get(field), appointment.lastUpdated(), appointment.versionId());
            if (merge.portalValueKept()) {
                kept.put(field, portalValue);
            }
            provenance = provenance.with(field, merge.provenance());
            merge.conflict().ifPresent(c -> found.add(new FieldConflict(c.field(), c.kept(), c.keptSetAt(), c.discarded(), c.discardedSetAt(),
                    c.discardedValue(), c.ehrVersion(), c.reason() + " (" + record + ")")));
        }
        AppointmentDetails merged = appointment.details().with(kept);
        // out of view: entered in error now; back in view: a newer version the EHR restored
        Instant deletedAt = merged.outOfView() ? (current.deletedAt() != null ? current.deletedAt() : now) : null;
        appointments.update(connection, current.id(), patientId, appointment.versionId(), appointment.lastUpdated(), merged, provenance,
                deletedAt, now);
        conflicts.record(connection, patientId, found, null, now);
        auditWrite(connection, "PortalAppointment.update", current.id(), record, now);
        if (deletedAt != null && current.deletedAt() == null) {
            return SyncOutcome.ARCHIVED;
        }
        return merged.equals(current.details()) && current.patientId() == patientId && (deletedAt == null) == (current.deletedAt() == null)
                ? SyncOutcome.UNCHANGED : SyncOutcome.UPDATED;
    }

    /** Delivers the EHR's deletion of an Appointment in the caller's transaction. */
    public SyncOutcome delete(Connection connection, String source, DeletedResource deleted, Instant now) throws SQLException {
        String record = "Appointment/" + deleted.id();
        deadLetters.resolve(connection, source, record, now);
        Optional<StoredAppointment> stored = appointments.findForUpdate(connection, source, deleted.id());
        if (stored.isEmpty() || stored.get().deletedAt() != null) {
            return SyncOutcome.UNCHANGED;
        }
        StoredAppointment current = stored.get();
        if (SourceVersionOrder.isOlder(deleted.versionId(), deleted.deletedAt(), current.sourceVersion(), current.sourceLastUpdated())) {
            // deleted, then created again at the EHR: the portal holds the newer appointment
            return SyncOutcome.STALE;
        }
        appointments.markDeleted(connection, current.id(), deleted.versionId(), deleted.deletedAt() != null ? deleted.deletedAt() : now, now);
        auditWrite(connection, "PortalAppointment.delete", current.id(), record, now);
        return SyncOutcome.ARCHIVED;
    }

    private void auditWrite(Connection connection, String action, long id, String record, Instant now) throws SQLException {
        audit.record(connection, new AuditEvent(now, actor, action, "portal_appointment/" + id + " (" + record + ")", "portal-db", "success"));
    }
}
