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
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.FieldConflict;
import org.portalsync.authority.PatientFieldValues;
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
 *
 * <p>Real-time fields ({@code portal-sync.appointments.realtime-fields}): an EHR change of another field of an
 * appointment the portal holds is deferred. The portal keeps its value and the field's provenance keeps the hash of
 * what the EHR sent before, so every later version still shows the change, and the field is named in
 * {@code portal_appointment.deferred_fields} until the nightly reconciliation applies it ({@link #APPLY_ALL_FIELDS}).
 * A new appointment, and the patient an appointment belongs to, are always applied at once.
 */
public final class DeliverAppointment implements Processor {

    /** Exchange property: true applies every field now, deferred ones included, even of a version the portal holds. */
    public static final String APPLY_ALL_FIELDS = "portalSyncAppointmentAllFields";

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
    private final Set<AuthorityField> realtimeFields;

    /** Every field in real time. */
    public DeliverAppointment(PortalDatabase database, PortalPatientStore patients, PortalAppointmentStore appointments, AuthorityRules rules,
            FieldConflictStore conflicts, DataQualityLog dataQuality, DeadLetterStore deadLetters, AuditTrail audit, String actor, Clock clock) {
        this(database, patients, appointments, rules, conflicts, dataQuality, deadLetters, audit, actor, clock, Set.copyOf(AppointmentProvenance.FIELDS));
    }

    /** @param realtimeFields the fields an EHR change updates at once; the others wait for {@link #APPLY_ALL_FIELDS} */
    public DeliverAppointment(PortalDatabase database, PortalPatientStore patients, PortalAppointmentStore appointments, AuthorityRules rules,
            FieldConflictStore conflicts, DataQualityLog dataQuality, DeadLetterStore deadLetters, AuditTrail audit, String actor, Clock clock,
            Set<AuthorityField> realtimeFields) {
        this.realtimeFields = Set.copyOf(realtimeFields);
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
        boolean allFields = exchange.getProperty(APPLY_ALL_FIELDS, false, Boolean.class);
        SyncOutcome outcome = database.inTransaction(connection -> body instanceof DeletedResource deleted
                ? delete(connection, source, deleted, clock.instant())
                : deliver(connection, source, appointment, clock.instant(), allFields));
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, outcome);
    }

    /** Delivers one Appointment version in the caller's transaction: its real-time fields now, the others deferred. */
    public SyncOutcome deliver(Connection connection, String source, MappedAppointment appointment, Instant now) throws SQLException {
        return deliver(connection, source, appointment, now, false);
    }

    /**
     * Delivers one Appointment version in the caller's transaction.
     *
     * @param allFields true: every field now, deferred ones included, even when the portal holds this version already
     */
    public SyncOutcome deliver(Connection connection, String source, MappedAppointment appointment, Instant now, boolean allFields)
            throws SQLException {
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
        if (!allFields && Objects.equals(current.sourceVersion(), appointment.versionId()) && current.patientId() == patientId
                && (current.deletedAt() == null) == !appointment.details().outOfView()) {
            return SyncOutcome.UNCHANGED;
        }
        Map<AuthorityField, Object> kept = new EnumMap<>(AuthorityField.class);
        AppointmentProvenance provenance = current.provenance();
        List<FieldConflict> found = new ArrayList<>();
        Set<String> deferred = new TreeSet<>();
        for (AuthorityField field : AppointmentProvenance.FIELDS) {
            Object portalValue = current.details().get(field);
            if (!allFields && !realtimeFields.contains(field) && !Objects.equals(appointment.details().get(field), portalValue)
                    && !PatientFieldValues.hash(appointment.details().get(field)).equals(current.provenance().of(field).ehrValueHash())) {
                // not a real-time field: the portal's value and provenance stay until the nightly run applies the change
                kept.put(field, portalValue);
                deferred.add(field.configName());
                continue;
            }
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
        if (allFields || realtimeFields.size() < AppointmentProvenance.FIELDS.size()) {
            // with every field in real time nothing is ever deferred: no statement for it
            appointments.setDeferredFields(connection, current.id(), deferred);
        }
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
        // a deletion with neither version nor time (a SOAP record that no longer lists the appointment) keeps the portal's
        // version: listed again, even unchanged, the appointment comes back into view
        appointments.markDeleted(connection, current.id(), deleted.versionId(), deleted.deletedAt(),
                deleted.deletedAt() != null ? deleted.deletedAt() : now, now);
        auditWrite(connection, "PortalAppointment.delete", current.id(), record, now);
        return SyncOutcome.ARCHIVED;
    }

    private void auditWrite(Connection connection, String action, long id, String record, Instant now) throws SQLException {
        audit.record(connection, new AuditEvent(now, actor, action, "portal_appointment/" + id + " (" + record + ")", "portal-db", "success"));
    }
}
