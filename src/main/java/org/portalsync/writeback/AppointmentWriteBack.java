package org.portalsync.writeback;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.portalsync.alert.SafeFailureText;
import org.portalsync.appointment.AppointmentDetails;
import org.portalsync.appointment.AppointmentDetails.Participant;
import org.portalsync.appointment.DeliverAppointment;
import org.portalsync.appointment.MapFhirAppointment;
import org.portalsync.appointment.MappedAppointment;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.appointment.PortalAppointmentStore.StoredAppointment;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.AuthorityRules.FieldOutcome;
import org.portalsync.authority.FieldConflict;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.authority.Side;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;
import org.portalsync.source.hl7v2.CancelAtLegacyEhr;
import org.portalsync.source.hl7v2.SendHl7v2Message;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appointment half of {@link ApplyPortalChange}. A cancel or reschedule first enters {@code portal_appointment}
 * under the {@code appointment} rules with the appointment's row locked, then goes to the EHR: read the Appointment,
 * merge that version in under the rules (a staff reschedule meets a patient cancel: the cancel is the portal's, the
 * times stay the EHR's), write the portal's fields into it and update with {@code If-Match}; on 409/412 again, bounded.
 * Times are written as instants with the facility's offset at that instant (its IANA zone, so -05:00 or -04:00 in New
 * York on either side of a DST change). A booking creates an Appointment for a free Slot (a conditional create keyed
 * by the change, so a retried create makes no second one), then sets the Slot busy with {@code If-Match}: if someone
 * took the slot meanwhile, the Appointment just created is marked {@code entered-in-error} (the patient never had it;
 * as cancelled it would show in their list) and the change fails with the slot-taken message.
 */
public final class AppointmentWriteBack {

    /** Identifier system of the Appointments the engine books: the value is the booking's key ({@link AppointmentChange#bookingKey}). */
    static final String BOOKING_SYSTEM = "urn:portal-sync:booking";

    private static final Logger LOG = LoggerFactory.getLogger(AppointmentWriteBack.class);
    private static final DateTimeFormatter WITH_OFFSET = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

    /** What the patient reads when a change of an appointment ends badly, and the status a booking gets. */
    public record Messages(String cancelFailed, String rescheduleFailed, String bookingFailed, String slotTaken, String superseded,
            String bookingStatus) {
    }

    /** The change cannot be applied or written: it fails with {@code patientMessage}, and a data-quality row names record and field. */
    static final class Refused extends RuntimeException {
        private final String patientMessage;
        private final DataQualityIssue issue;

        Refused(String message, String patientMessage, DataQualityIssue issue) {
            super(message);
            this.patientMessage = patientMessage;
            this.issue = issue;
        }

        String patientMessage() {
            return patientMessage;
        }
    }

    private final ApplyPortalChange.Settings settings;
    private final Messages messages;
    private final PortalDatabase database;
    private final PortalAppointmentStore appointments;
    private final PortalChangeStore changes;
    private final AuthorityRules rules;
    private final FieldConflictStore conflicts;
    private final DataQualityLog dataQuality;
    private final AuditTrail audit;
    private final FhirSourceClient ehr;
    private final IParser parser;
    private final MapFhirAppointment mapper;
    private final DeliverAppointment delivery;
    private final CancelAtLegacyEhr legacy;
    private final Clock clock;

    public AppointmentWriteBack(ApplyPortalChange.Settings settings, Messages messages, PortalDatabase database, PortalAppointmentStore appointments,
            PortalChangeStore changes, AuthorityRules rules, FieldConflictStore conflicts, DataQualityLog dataQuality, AuditTrail audit,
            FhirSourceClient ehr, FhirContext fhir, MapFhirAppointment mapper, DeliverAppointment delivery, Clock clock) {
        this(settings, messages, database, appointments, changes, rules, conflicts, dataQuality, audit, ehr, fhir, mapper, delivery, null, clock);
    }

    /** @param legacy cancels the appointments of a legacy HL7 v2 source at its EHR (SIU^S15); null when none is configured */
    public AppointmentWriteBack(ApplyPortalChange.Settings settings, Messages messages, PortalDatabase database, PortalAppointmentStore appointments,
            PortalChangeStore changes, AuthorityRules rules, FieldConflictStore conflicts, DataQualityLog dataQuality, AuditTrail audit,
            FhirSourceClient ehr, FhirContext fhir, MapFhirAppointment mapper, DeliverAppointment delivery, CancelAtLegacyEhr legacy, Clock clock) {
        this.legacy = legacy;
        this.settings = settings;
        this.messages = messages;
        this.database = database;
        this.appointments = appointments;
        this.changes = changes;
        this.rules = rules;
        this.conflicts = conflicts;
        this.dataQuality = dataQuality;
        this.audit = audit;
        this.ehr = ehr;
        this.parser = fhir.newJsonParser();
        this.mapper = mapper;
        this.delivery = delivery;
        this.clock = clock;
    }

    static boolean concerns(PortalChange change) {
        return change.appointment() != null;
    }

    /** @return what the patient reads when this change fails */
    String failedMessage(PortalChange change) {
        return switch (change.appointment().action()) {
            case CANCEL -> messages.cancelFailed();
            case RESCHEDULE -> messages.rescheduleFailed();
            case BOOK -> messages.bookingFailed();
        };
    }

    String supersededMessage() {
        return messages.superseded();
    }

    /** The fields a cancel or reschedule sets, with their new values. */
    private static Map<AuthorityField, Object> values(AppointmentChange change) {
        Map<AuthorityField, Object> values = new EnumMap<>(AuthorityField.class);
        if (change.action() == AppointmentChange.Action.CANCEL) {
            values.put(AuthorityField.APPOINTMENT_STATUS, "cancelled");
            if (change.cancellationReason() != null) {
                values.put(AuthorityField.APPOINTMENT_CANCELLATION_REASON, change.cancellationReason());
            }
        } else if (change.action() == AppointmentChange.Action.RESCHEDULE) {
            values.put(AuthorityField.APPOINTMENT_START, change.start());
            values.put(AuthorityField.APPOINTMENT_END, change.end());
        }
        return values;
    }

    /** Step one: the change enters the portal's appointment, under the rules, with its row locked. */
    PortalChange.Status applyInPortal(PortalChange change) {
        if (change.appointment().action() == AppointmentChange.Action.BOOK) {
            if (!settings.writeBackEnabled()) {
                throw refused(change, "Slot/" + change.appointment().slotId(), "slot",
                        "a booking is made at the EHR and portal-sync.write-back.enabled is false", messages.bookingFailed());
            }
            return database.inTransaction(connection -> {
                if (change.appointment().bookingKey() == null) {
                    // written into the outbox by the portal itself: the key is made once, before anything reaches the EHR
                    changes.setAppointmentChange(connection, change.id(), change.appointment().withBookingKey(UUID.randomUUID().toString()));
                }
                changes.advance(connection, change.id(), PortalChange.Status.WRITING_BACK, null, null, clock.instant());
                return PortalChange.Status.WRITING_BACK;
            });
        }
        return database.inTransaction(connection -> {
            Instant now = clock.instant();
            StoredAppointment stored = lock(connection, change);
            String record = "Appointment/" + stored.sourceId();
            AuthorityField first = values(change.appointment()).keySet().iterator().next();
            if (stored.deletedAt() != null) {
                throw refused(change, record, first.qualifiedName(), record + " was deleted at the EHR", failedMessage(change));
            }
            if (change.appointment().action() == AppointmentChange.Action.RESCHEDULE && "cancelled".equals(stored.details().status())) {
                throw refused(change, record, first.qualifiedName(), record + " was cancelled before the reschedule reached it",
                        failedMessage(change));
            }
            Map<AuthorityField, Object> applied = new EnumMap<>(AuthorityField.class);
            Map<AuthorityField, FieldOutcome> outcomes = new EnumMap<>(AuthorityField.class);
            List<FieldConflict> found = new ArrayList<>();
            var provenance = stored.provenance();
            for (Map.Entry<AuthorityField, Object> value : values(change.appointment()).entrySet()) {
                AuthorityField field = value.getKey();
                AuthorityRules.FieldChange decision = rules.portalChangeField(field, stored.details().get(field), stored.provenance().of(field),
                        value.getValue(), change.initiatedBy(), change.submittedAt());
                outcomes.put(field, decision.outcome());
                decision.conflict().ifPresent(c -> found.add(named(c, record)));
                if (decision.store()) {
                    applied.put(field, value.getValue());
                    provenance = provenance.with(field, decision.provenance());
                }
            }
            AppointmentDetails details = stored.details().with(applied);
            appointments.update(connection, stored.id(), stored.patientId(), stored.sourceVersion(), stored.sourceLastUpdated(), details, provenance,
                    stored.deletedAt(), now);
            conflicts.record(connection, stored.patientId(), found, change.id(), now);
            audit.record(connection, new AuditEvent(now, change.clientId(), "PortalAppointment.portal-change", "portal_appointment/" + stored.id()
                    + " (" + record + ") portal_change/" + change.id() + " " + change.appointment().action().configName(), "portal",
                    outcomes.toString()));
            boolean superseded = outcomes.values().stream().allMatch(o -> o == FieldOutcome.SUPERSEDED);
            StoredAppointment after = new StoredAppointment(stored.id(), stored.patientId(), stored.sourceId(), stored.sourceVersion(),
                    stored.sourceLastUpdated(), details, provenance, stored.deletedAt());
            boolean writeBack = isLegacy(connection, change) ? legacy.enabled() : settings.writeBackEnabled();
            PortalChange.Status next = superseded ? PortalChange.Status.SUPERSEDED
                    : writeBack && !ahead(change, after).isEmpty() ? PortalChange.Status.WRITING_BACK : PortalChange.Status.DONE;
            changes.advance(connection, change.id(), next, ApplyPortalChange.outcomesJson(outcomes), null, now);
            return next;
        });
    }

    /** Step two: the portal's fields go to the EHR with If-Match; a booking is created there. */
    InsuranceWriteBack.Done writeBack(PortalChange change) {
        if (change.appointment().action() == AppointmentChange.Action.BOOK) {
            return book(change);
        }
        if (database.inTransaction(connection -> isLegacy(connection, change))) {
            return cancelAtLegacyEhr(change);
        }
        // a reschedule into a Slot takes it first: a slot taken meanwhile fails the change with nothing else written
        String newSlot = change.appointment().slotId();
        if (newSlot != null) {
            takeSlotForReschedule(change, newSlot);
        }
        try {
            return update(change, newSlot);
        } catch (RuntimeException e) {
            if (newSlot != null) {
                release(change, newSlot);
            }
            throw e;
        }
    }

    private InsuranceWriteBack.Done update(PortalChange change, String newSlot) {
        for (int round = 0; round <= settings.maxConflictRetries(); round++) {
            StoredAppointment before = database.inTransaction(connection -> lock(connection, change));
            String record = "Appointment/" + before.sourceId();
            String url = settings.baseUrl() + "/Appointment/" + URLEncoder.encode(before.sourceId(), StandardCharsets.UTF_8);
            FhirResponse read = ehr.get(url, "Appointment.read");
            if (read.status() >= 300) {
                throw refused(change, record, values(change.appointment()).keySet().iterator().next().qualifiedName(),
                        "the EHR answered HTTP " + read.status() + " to the read of " + record, failedMessage(change));
            }
            Appointment resource = parser.parseResource(Appointment.class, read.body());
            // the EHR's current version first, so that its changes meet the portal's under the rules; then what the
            // portal holds that the EHR lacks goes into that version
            Map<AuthorityField, Object> written = database.inTransaction(connection -> {
                delivery.deliver(connection, settings.source(), namesKept(mapper.map(resource), before), clock.instant(), true);
                StoredAppointment current = lock(connection, change);
                Map<AuthorityField, Object> pending = ahead(change, current);
                pending.forEach((field, value) -> write(resource, field, value, ZoneId.of(current.details().zone())));
                return pending;
            });
            if (written.isEmpty()) {
                StoredAppointment current = database.inTransaction(connection -> lock(connection, change));
                return new InsuranceWriteBack.Done(resource.getMeta().getVersionId(), finalStatus(change, current));
            }
            List<String> oldSlots = resource.getSlot().stream().map(Reference::getReference).filter(r -> !r.equals("Slot/" + newSlot)).toList();
            if (newSlot != null) {
                resource.setSlot(new ArrayList<>(List.of(new Reference("Slot/" + newSlot))));
            }
            FhirResponse update = ehr.update(url, parser.encodeResourceToString(resource), resource.getMeta().getVersionId(), "Appointment.update");
            if (update.versionConflict()) {
                LOG.info("Write-back of portal change {} met a newer version of {} at the EHR (409/412); reading it again", change.id(), record);
                continue;
            }
            if (newSlot != null) {
                // the appointment left its old slot: free for others
                oldSlots.stream().map(r -> r.substring(r.lastIndexOf('/') + 1)).forEach(old -> release(change, old));
            }
            Appointment stored = parser.parseResource(Appointment.class, update.body());
            StoredAppointment after = database.inTransaction(connection -> {
                StoredAppointment current = markSeenAtEhr(connection, change, written);
                delivery.deliver(connection, settings.source(), namesKept(mapper.map(stored), current), clock.instant(), true);
                return lock(connection, change);
            });
            return new InsuranceWriteBack.Done(stored.getMeta().getVersionId(), finalStatus(change, after));
        }
        StoredAppointment current = database.inTransaction(connection -> lock(connection, change));
        throw refused(change, "Appointment/" + current.sourceId(), values(change.appointment()).keySet().iterator().next().qualifiedName(),
                "the EHR's copy of Appointment/" + current.sourceId() + " changed during each of " + (settings.maxConflictRetries() + 1)
                        + " updates (HTTP 409/412 version conflict each time)", failedMessage(change));
    }

    /**
     * A cancellation of a legacy EHR's appointment: SIU^S15 over MLLP, then its ACK. {@code AA} and the portal's values are
     * the EHR's; {@code AE}/{@code AR} fails the change (the front desk's row names the appointment and the HL7 error code);
     * no answer in time is an {@link org.portalsync.source.fhir.EhrUnavailableException}, tried again later.
     */
    private InsuranceWriteBack.Done cancelAtLegacyEhr(PortalChange change) {
        StoredAppointment before = database.inTransaction(connection -> lock(connection, change));
        String record = "Appointment/" + before.sourceId();
        AuthorityField first = values(change.appointment()).keySet().iterator().next();
        if (change.appointment().action() != AppointmentChange.Action.CANCEL) {
            throw refused(change, record, first.qualifiedName(), "a legacy EHR's appointment is only cancelled from the portal",
                    failedMessage(change));
        }
        Map<AuthorityField, Object> pending = ahead(change, before);
        if (pending.isEmpty()) {
            return new InsuranceWriteBack.Done(null, finalStatus(change, before));
        }
        SendHl7v2Message.Ack ack = legacy.cancel(change.id(), before.sourceId(), change.appointment().cancellationReason());
        if (!ack.accepted()) {
            throw refused(change, record, first.qualifiedName(), "the legacy EHR answered " + ack.describe() + " to SIU^S15",
                    failedMessage(change));
        }
        StoredAppointment after = database.inTransaction(connection -> {
            markSeenAtEhr(connection, change, pending);
            audit.record(connection, new AuditEvent(clock.instant(), change.clientId(), "HL7v2 SIU^S15", record + " MSH-10 PS-CHG-" + change.id(),
                    "mllp", "success: " + ack.describe()));
            return lock(connection, change);
        });
        return new InsuranceWriteBack.Done(null, finalStatus(change, after));
    }

    /** The EHR took these values: their provenance says so, so that the portal is no longer ahead of it. @return the appointment before */
    private StoredAppointment markSeenAtEhr(Connection connection, PortalChange change, Map<AuthorityField, Object> written) throws SQLException {
        StoredAppointment current = lock(connection, change);
        var provenance = current.provenance();
        for (Map.Entry<AuthorityField, Object> value : written.entrySet()) {
            provenance = provenance.with(value.getKey(), provenance.of(value.getKey()).seenAtEhr(PatientFieldValues.hash(value.getValue())));
        }
        appointments.update(connection, current.id(), current.patientId(), current.sourceVersion(), current.sourceLastUpdated(),
                current.details(), provenance, current.deletedAt(), clock.instant());
        return current;
    }

    private boolean isLegacy(Connection connection, PortalChange change) throws SQLException {
        return legacy != null && legacy.owns(sourceOf(connection, change));
    }

    /** The portal's values of the change's fields that the EHR does not have yet (and that the rules write back). */
    private Map<AuthorityField, Object> ahead(PortalChange change, StoredAppointment current) {
        Map<AuthorityField, Object> pending = new LinkedHashMap<>();
        for (AuthorityField field : values(change.appointment()).keySet()) {
            Object value = current.details().get(field);
            FieldProvenance provenance = current.provenance().of(field);
            if (rules.matrix().policy(field).writeBack() && provenance.portalAheadOfEhr(PatientFieldValues.hash(value))) {
                pending.put(field, value);
            }
        }
        return pending;
    }

    /** Writes the portal's value of one field into the EHR's Appointment; a time as an instant with the facility's offset then. */
    static void write(Appointment resource, AuthorityField field, Object value, ZoneId zone) {
        switch (field) {
            case APPOINTMENT_STATUS -> resource.setStatus(Appointment.AppointmentStatus.fromCode((String) value));
            case APPOINTMENT_CANCELLATION_REASON -> resource.setCancelationReason(value == null ? null : new CodeableConcept().setText((String) value));
            case APPOINTMENT_START -> {
                resource.getStartElement().setValueAsString(offsetText((Instant) value, zone));
                keepDuration(resource);
            }
            case APPOINTMENT_END -> {
                resource.getEndElement().setValueAsString(offsetText((Instant) value, zone));
                keepDuration(resource);
            }
            default -> throw new IllegalArgumentException(field.qualifiedName() + " is not written back");
        }
    }

    /** @return the instant as the facility's clocks showed it, with the offset its zone had at that instant */
    static String offsetText(Instant instant, ZoneId zone) {
        return instant.atZone(zone).format(WITH_OFFSET);
    }

    /** minutesDuration, when the EHR keeps it, must agree with the new start and end (FHIR R4 leaves it to the writer). */
    private static void keepDuration(Appointment resource) {
        if (resource.hasMinutesDuration() && resource.hasStart() && resource.hasEnd()) {
            resource.setMinutesDuration((int) Duration.between(resource.getStart().toInstant(), resource.getEnd().toInstant()).toMinutes());
        }
    }

    /**
     * A read by id has no {@code _include}: a participant named only by reference keeps the name the poll found for the
     * same reference, rather than looking renamed to nothing.
     */
    private static MappedAppointment namesKept(MappedAppointment read, StoredAppointment stored) {
        AppointmentDetails d = read.details();
        Participant provider = kept(d.provider(), stored.details().provider());
        Participant location = kept(d.location(), stored.details().location());
        if (provider == d.provider() && location == d.location()) {
            return read;
        }
        AppointmentDetails details = new AppointmentDetails(d.start(), d.end(), d.zone(), d.status(), d.cancellationReason(), d.reason(), d.notes(),
                provider, location);
        List<DataQualityIssue> problems = read.problems().stream().filter(p -> !p.field().startsWith("Appointment.participant (")).toList();
        return new MappedAppointment(read.appointmentId(), read.versionId(), read.lastUpdated(), read.patientId(), details, problems);
    }

    private static Participant kept(Participant read, Participant stored) {
        return read.reference() != null && read.display() == null && read.reference().equals(stored.reference()) ? stored : read;
    }

    /** DONE, unless every field of the change has since been decided for the EHR by a later EHR change. */
    private static PortalChange.Status finalStatus(PortalChange change, StoredAppointment current) {
        boolean allLost = values(change.appointment()).keySet().stream().allMatch(field -> {
            FieldProvenance provenance = current.provenance().of(field);
            return provenance.setBy() == Side.EHR && provenance.setAt() != null && provenance.setAt().isAfter(change.submittedAt());
        });
        return allLost ? PortalChange.Status.SUPERSEDED : PortalChange.Status.DONE;
    }

    // ---- booking

    /** A booking, to its end: the Appointment created for the Slot and the Slot busy, or nothing booked at all. */
    private InsuranceWriteBack.Done book(PortalChange submitted) {
        // the key the first step gave it, if the portal wrote the change without one
        PortalChange change = submitted.appointment().bookingKey() != null ? submitted
                : database.inTransaction(connection -> changes.load(connection, submitted.id()));
        String slotId = change.appointment().slotId();
        String slotRecord = "Slot/" + slotId;
        String slotUrl = settings.baseUrl() + "/Slot/" + URLEncoder.encode(slotId, StandardCharsets.UTF_8);
        // an earlier attempt (before a restart, a timeout) may have created it already: find it, never make a second
        Optional<Appointment> earlier = ourBooking(change);
        if (earlier.isPresent() && isWithdrawn(earlier.get())) {
            throw refused(change, slotRecord, "slot", slotRecord + " was taken by someone else before this booking completed",
                    messages.slotTaken());
        }
        Slot slot = readSlot(change, slotUrl, slotRecord, messages.bookingFailed());
        if (slot.getStatus() != Slot.SlotStatus.FREE && earlier.isEmpty()) {
            throw refused(change, slotRecord, "slot", slotRecord + " is " + slot.getStatus().toCode() + ", not free: nothing was booked",
                    messages.slotTaken());
        }
        Appointment booked = earlier.isPresent() ? earlier.get() : create(change, slot, slotRecord);
        // found busy with our Appointment already made: the earlier attempt took the slot before it stopped
        if (earlier.isEmpty() || slot.getStatus() == Slot.SlotStatus.FREE) {
            takeSlot(change, booked, slot, slotUrl, slotRecord);
        }
        String bookedId = booked.getIdElement().getIdPart();
        MappedAppointment mapped = mapper.map(booked);
        database.inTransaction(connection -> {
            delivery.deliver(connection, settings.source(), mapped, clock.instant(), true);
            StoredAppointment row = appointments.findForUpdate(connection, settings.source(), bookedId).orElseThrow();
            changes.setAppointment(connection, change.id(), row.id());
            return null;
        });
        return new InsuranceWriteBack.Done(booked.getMeta().getVersionId(), PortalChange.Status.DONE);
    }

    /** The Slot becomes busy with If-Match: whoever took it first keeps it; a conflict is read again, bounded. */
    private void takeSlot(PortalChange change, Appointment booked, Slot read, String slotUrl, String slotRecord) {
        Slot slot = read;
        for (int round = 0; ; round++) {
            if (slot.getStatus() != Slot.SlotStatus.FREE) {
                // taken between our read and our update: the appointment just made must not stand
                withdraw(change, booked, slotRecord);
                throw refused(change, slotRecord, "slot", slotRecord + " was taken by someone else before this booking completed; "
                        + "Appointment/" + booked.getIdElement().getIdPart() + " made for it is marked entered-in-error", messages.slotTaken());
            }
            if (round > settings.maxConflictRetries()) {
                withdraw(change, booked, slotRecord);
                throw refused(change, slotRecord, "slot", "the EHR's copy of " + slotRecord + " changed during each of "
                        + (settings.maxConflictRetries() + 1) + " updates (HTTP 409/412 version conflict each time)", messages.bookingFailed());
            }
            String version = slot.getMeta().getVersionId();
            slot.setStatus(Slot.SlotStatus.BUSY);
            if (!ehr.update(slotUrl, parser.encodeResourceToString(slot), version, "Slot.update").versionConflict()) {
                return;
            }
            slot = readSlot(change, slotUrl, slotRecord, messages.bookingFailed());
        }
    }

    /**
     * Takes the Slot a reschedule moves into (busy, with If-Match). Its times must be the requested ones. Found busy on a
     * retry, with no other live Appointment in it, it is the one an earlier attempt took.
     */
    private void takeSlotForReschedule(PortalChange change, String slotId) {
        String record = "Slot/" + slotId;
        String url = settings.baseUrl() + "/Slot/" + URLEncoder.encode(slotId, StandardCharsets.UTF_8);
        Slot slot = readSlot(change, url, record, failedMessage(change));
        if (!instant(slot.getStartElement().getValueAsString()).equals(change.appointment().start())
                || !instant(slot.getEndElement().getValueAsString()).equals(change.appointment().end())) {
            throw refused(change, record, "slot", record + " does not start and end at the requested times", failedMessage(change));
        }
        for (int round = 0; ; round++) {
            if (slot.getStatus() != Slot.SlotStatus.FREE) {
                if (change.attempts() > 0 && slot.getStatus() == Slot.SlotStatus.BUSY && !liveAppointmentIn(change, slotId)) {
                    return;
                }
                throw refused(change, record, "slot", record + " is " + slot.getStatus().toCode() + ", not free: nothing was changed",
                        messages.slotTaken());
            }
            if (round > settings.maxConflictRetries()) {
                throw refused(change, record, "slot", "the EHR's copy of " + record + " changed during each of " + (settings.maxConflictRetries() + 1)
                        + " updates (HTTP 409/412 version conflict each time)", failedMessage(change));
            }
            String version = slot.getMeta().getVersionId();
            slot.setStatus(Slot.SlotStatus.BUSY);
            if (!ehr.update(url, parser.encodeResourceToString(slot), version, "Slot.update").versionConflict()) {
                return;
            }
            slot = readSlot(change, url, record, failedMessage(change));
        }
    }

    private boolean liveAppointmentIn(PortalChange change, String slotId) {
        FhirResponse found = ehr.get(settings.baseUrl() + "/Appointment?slot=" + URLEncoder.encode("Slot/" + slotId, StandardCharsets.UTF_8),
                "Appointment.search");
        return found.status() < 300 && parser.parseResource(Bundle.class, found.body()).getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource).filter(Appointment.class::isInstance).map(Appointment.class::cast)
                .anyMatch(a -> !isWithdrawn(a));
    }

    /** Frees a Slot the engine took or the appointment left (with If-Match, once more on a conflict); a failure is logged, not thrown. */
    private void release(PortalChange change, String slotId) {
        String url = settings.baseUrl() + "/Slot/" + URLEncoder.encode(slotId, StandardCharsets.UTF_8);
        try {
            for (int round = 0; round < 2; round++) {
                FhirResponse read = ehr.get(url, "Slot.read");
                if (read.status() >= 300) {
                    return;
                }
                Slot slot = parser.parseResource(Slot.class, read.body());
                if (slot.getStatus() != Slot.SlotStatus.BUSY) {
                    return;
                }
                String version = slot.getMeta().getVersionId();
                slot.setStatus(Slot.SlotStatus.FREE);
                if (!ehr.update(url, parser.encodeResourceToString(slot), version, "Slot.update").versionConflict()) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Portal change {}: Slot/{} could not be freed: {}", change.id(), slotId, SafeFailureText.of(e));
        }
    }

    /** An instant as the EHR wrote it; a time without offset (FHIR requires one) matches nothing. */
    private static Instant instant(String text) {
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (RuntimeException e) {
            return Instant.MIN;
        }
    }

    private Optional<Appointment> ourBooking(PortalChange change) {
        FhirResponse found = ehr.get(settings.baseUrl() + "/Appointment?identifier="
                + URLEncoder.encode(BOOKING_SYSTEM + "|" + change.appointment().bookingKey(), StandardCharsets.UTF_8), "Appointment.search");
        if (found.status() >= 300) {
            return Optional.empty();
        }
        return parser.parseResource(Bundle.class, found.body()).getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
                .filter(Appointment.class::isInstance).map(Appointment.class::cast).findFirst();
    }

    private static boolean isWithdrawn(Appointment appointment) {
        return appointment.getStatus() == Appointment.AppointmentStatus.ENTEREDINERROR
                || appointment.getStatus() == Appointment.AppointmentStatus.CANCELLED;
    }

    private Slot readSlot(PortalChange change, String url, String record, String patientMessage) {
        FhirResponse read = ehr.get(url, "Slot.read");
        if (read.status() >= 300) {
            throw refused(change, record, "slot", "the EHR answered HTTP " + read.status() + " to the read of " + record, patientMessage);
        }
        return parser.parseResource(Slot.class, read.body());
    }

    /** Creates the Appointment for the slot: its patient, and the practitioner and location of the slot's Schedule. */
    private Appointment create(PortalChange change, Slot slot, String slotRecord) {
        String patientId = database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT source_id FROM portal_patient WHERE id = ?")) {
                select.setLong(1, change.patientId());
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return row.getString(1);
                }
            }
        });
        Appointment appointment = new Appointment();
        appointment.addIdentifier().setSystem(BOOKING_SYSTEM).setValue(change.appointment().bookingKey());
        appointment.setStatus(Appointment.AppointmentStatus.fromCode(messages.bookingStatus()));
        appointment.addSlot(new Reference(slotRecord));
        // the slot's own text, offset and all: the EHR's time, never re-computed
        appointment.getStartElement().setValueAsString(slot.getStartElement().getValueAsString());
        appointment.getEndElement().setValueAsString(slot.getEndElement().getValueAsString());
        appointment.setCreatedElement(new org.hl7.fhir.r4.model.DateTimeType(java.util.Date.from(change.submittedAt())));
        if (change.appointment().reason() != null) {
            appointment.addReasonCode(new CodeableConcept().setText(change.appointment().reason()));
        }
        appointment.addParticipant().setActor(new Reference("Patient/" + patientId)).setStatus(Appointment.ParticipationStatus.ACCEPTED);
        for (Reference actor : scheduleActors(change, slot, slotRecord)) {
            String type = actor.getReferenceElement().getResourceType();
            if ("Practitioner".equals(type) || "Location".equals(type) || "PractitionerRole".equals(type)) {
                appointment.addParticipant().setActor(new Reference(actor.getReference()).setDisplay(actor.getDisplay()))
                        .setStatus(Appointment.ParticipationStatus.ACCEPTED);
            }
        }
        FhirResponse created = ehr.create(settings.baseUrl() + "/Appointment", parser.encodeResourceToString(appointment),
                "identifier=" + URLEncoder.encode(BOOKING_SYSTEM + "|" + change.appointment().bookingKey(), StandardCharsets.UTF_8), "Appointment.create");
        Appointment stored = parser.parseResource(Appointment.class, created.body());
        LOG.info("Portal change {} booked {} as Appointment/{}", change.id(), slotRecord, stored.getIdElement().getIdPart());
        return stored;
    }

    private List<Reference> scheduleActors(PortalChange change, Slot slot, String slotRecord) {
        String schedule = slot.getSchedule().getReferenceElement().toUnqualifiedVersionless().getValue();
        FhirResponse read = ehr.get(settings.baseUrl() + "/" + schedule, "Schedule.read");
        if (read.status() >= 300) {
            throw refused(change, slotRecord, "slot", "the EHR answered HTTP " + read.status() + " to the read of the slot's " + schedule,
                    messages.bookingFailed());
        }
        return parser.parseResource(Schedule.class, read.body()).getActor();
    }

    /**
     * The slot went to someone else after the Appointment was created: the Appointment is marked entered-in-error with
     * If-Match (read again on a conflict, bounded), so the EHR holds no booking the patient does not have.
     */
    private void withdraw(PortalChange change, Appointment booked, String slotRecord) {
        String id = booked.getIdElement().getIdPart();
        String url = settings.baseUrl() + "/Appointment/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
        Appointment current = booked;
        for (int round = 0; round <= settings.maxConflictRetries(); round++) {
            current.setStatus(Appointment.AppointmentStatus.ENTEREDINERROR);
            current.setCancelationReason(new CodeableConcept().setText(slotRecord + " was taken before the booking completed"));
            FhirResponse update = ehr.update(url, parser.encodeResourceToString(current), current.getMeta().getVersionId(), "Appointment.update");
            if (!update.versionConflict()) {
                return;
            }
            current = parser.parseResource(Appointment.class, ehr.get(url, "Appointment.read").body());
        }
        LOG.warn("Portal change {}: Appointment/{} could not be withdrawn after its slot was taken", change.id(), id);
    }

    // ---- shared

    private StoredAppointment lock(Connection connection, PortalChange change) throws SQLException {
        String[] key = appointmentKey(connection, change);
        return appointments.findForUpdate(connection, key[0], key[1])
                .orElseThrow(() -> new IllegalStateException("the appointment of portal_change/" + change.id() + " is gone"));
    }

    /** The source of the change's appointment: the FHIR EHR's, or a legacy one's. */
    private String sourceOf(Connection connection, PortalChange change) throws SQLException {
        return appointmentKey(connection, change)[0];
    }

    /** {source, source_id} of the change's appointment. */
    private String[] appointmentKey(Connection connection, PortalChange change) throws SQLException {
        long id = changes.appointmentOf(connection, change.id())
                .orElseThrow(() -> new IllegalStateException("portal_change/" + change.id() + " names no appointment"));
        try (PreparedStatement select = connection.prepareStatement("SELECT source, source_id FROM portal_appointment WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalStateException("portal_appointment/" + id + " is gone");
                }
                return new String[] {row.getString(1), row.getString(2)};
            }
        }
    }

    private static Refused refused(PortalChange change, String record, String field, String error, String patientMessage) {
        return new Refused(error, patientMessage, new DataQualityIssue(record, field, "portal change " + change.id() + " ("
                + change.appointment().action().configName() + ") failed: " + error, false));
    }

    /**
     * A change failed: the front desk's row names the appointment (or slot) and field, and the portal's appointment shows
     * the EHR's values of the change's fields again, so the patient never sees a cancellation or time the EHR does not have.
     *
     * @param refused why, when the change was refused; null for another failure (the EHR unreachable, its refusal)
     */
    void failed(PortalChange change, String error, Refused refused) {
        String record = change.appointment().action() == AppointmentChange.Action.BOOK ? "Slot/" + change.appointment().slotId()
                : database.inTransaction(connection -> changes.appointmentOf(connection, change.id()).isEmpty() ? null
                        : "Appointment/" + lock(connection, change).sourceId());
        DataQualityIssue issue = refused != null ? refused.issue : new DataQualityIssue(record, change.appointment().action()
                == AppointmentChange.Action.BOOK ? "slot" : values(change.appointment()).keySet().iterator().next().qualifiedName(),
                "portal change " + change.id() + " (" + change.appointment().action().configName() + ") failed: " + error, false);
        database.inTransaction(connection -> {
            dataQuality.record(connection, settings.source(), List.of(issue), clock.instant());
            return null;
        });
        if (change.appointment().action() != AppointmentChange.Action.BOOK && record != null) {
            try {
                showEhrValues(change, record);
            } catch (RuntimeException e) {
                // the next poll cannot undo a portal-owned value: the front desk's row above names the appointment
                LOG.warn("Portal change {}: {} keeps the portal's values until the EHR can be read: {}", change.id(), record, SafeFailureText.of(e));
            }
        }
    }

    private void showEhrValues(PortalChange change, String record) {
        Appointment resource;
        if (database.inTransaction(connection -> isLegacy(connection, change))) {
            // a legacy EHR cannot be read: its newest SIU is what it holds
            Optional<Appointment> sent = legacy.lastSent(record.substring(record.indexOf('/') + 1));
            if (sent.isEmpty()) {
                return;
            }
            resource = sent.get();
        } else {
            FhirResponse read = ehr.get(settings.baseUrl() + "/" + record, "Appointment.read");
            if (read.status() >= 300) {
                return;
            }
            resource = parser.parseResource(Appointment.class, read.body());
        }
        database.inTransaction(connection -> {
            StoredAppointment current = lock(connection, change);
            MappedAppointment atEhr = namesKept(mapper.map(resource), current);
            Map<AuthorityField, Object> ehrValues = new EnumMap<>(AuthorityField.class);
            var provenance = current.provenance();
            for (AuthorityField field : values(change.appointment()).keySet()) {
                Object value = atEhr.details().get(field);
                ehrValues.put(field, value);
                provenance = provenance.with(field, new FieldProvenance(Side.EHR, atEhr.lastUpdated(), atEhr.versionId(), PatientFieldValues.hash(value)));
            }
            appointments.update(connection, current.id(), current.patientId(), current.sourceVersion(), current.sourceLastUpdated(),
                    current.details().with(ehrValues), provenance, current.deletedAt(), clock.instant());
            return null;
        });
    }

    private static FieldConflict named(FieldConflict c, String record) {
        return new FieldConflict(c.field(), c.kept(), c.keptSetAt(), c.discarded(), c.discardedSetAt(), c.discardedValue(), c.ehrVersion(),
                c.reason() + " (" + record + ")");
    }
}
