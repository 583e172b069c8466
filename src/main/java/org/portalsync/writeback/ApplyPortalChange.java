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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.auth.AuthenticationFailedException;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.AuthorityRules.FieldOutcome;
import org.portalsync.authority.FieldOwnedException;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.authority.PatientProvenance;
import org.portalsync.authority.Side;
import org.portalsync.mapping.MapFhirPatient;
import org.portalsync.mapping.StandardisePortalValues;
import org.portalsync.mapping.WritePortalFieldsToFhir;
import org.portalsync.portal.DeliverPortalPatient;
import org.portalsync.portal.CommunicationPreferences;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.PortalPatientStore.StoredPatient;
import org.portalsync.source.fhir.EhrRequestRejectedException;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works one portal change (the body: its id) to its end. First, under the patient's row lock, the
 * change is merged into the portal record under the authority rules. Then, with write-back on, the
 * portal's values the EHR lacks are written to it: read the full Patient, merge that version in, write
 * the portal's fields into it and update with {@code If-Match} on its version. No row lock is held while
 * the EHR answers; what the update carried is recorded as the EHR's value of those fields before its
 * result is merged, so that a later portal change made meanwhile is not taken for stale and goes in
 * the next round. A
 * {@code 412} (HAPI FHIR: {@code 409}) means someone changed the patient at the EHR meanwhile: read, merge and try again, a
 * bounded number of times. An unreachable EHR is retried later; a refusal fails the change with the
 * patient-facing message from the settings. Every outcome is on the change's row.
 */
public final class ApplyPortalChange implements Processor {

    /** How long a worker holds a change: longer than one write-back with its retries can take. */
    static final Duration LEASE = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(ApplyPortalChange.class);

    /** The settings this processor reads. */
    public record Settings(String source, String baseUrl, boolean writeBackEnabled, int maxAttempts, int maxConflictRetries,
            Duration firstRetryDelay, String failedMessage, String insuranceFailedMessage, String supersededMessage) {
    }

    private final Settings settings;
    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final PortalChangeStore changes;
    private final AuthorityRules rules;
    private final FieldConflictStore conflicts;
    private final AuditTrail audit;
    private final FhirSourceClient ehr;
    private final IParser parser;
    private final MapFhirPatient mapper;
    private final DeliverPortalPatient delivery;
    private final StandardisePortalValues standardise;
    private final InsuranceWriteBack insurance;
    private final AppointmentWriteBack appointments;
    private final PortalOnlyPreferences portalOnly = new PortalOnlyPreferences();
    private final Clock clock;

    public ApplyPortalChange(Settings settings, PortalDatabase database, PortalPatientStore patients, PortalChangeStore changes,
            AuthorityRules rules, FieldConflictStore conflicts, AuditTrail audit, FhirSourceClient ehr, FhirContext fhir,
            MapFhirPatient mapper, DeliverPortalPatient delivery, InsuranceWriteBack insurance, AppointmentWriteBack appointments, Clock clock) {
        this.settings = settings;
        this.database = database;
        this.patients = patients;
        this.changes = changes;
        this.rules = rules;
        this.conflicts = conflicts;
        this.audit = audit;
        this.ehr = ehr;
        this.parser = fhir.newJsonParser();
        this.mapper = mapper;
        this.delivery = delivery;
        this.standardise = new StandardisePortalValues(settings.source(), mapper);
        this.insurance = insurance;
        this.appointments = appointments;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        long id = exchange.getMessage().getMandatoryBody(Long.class);
        if (!changes.claim(id, clock.instant(), LEASE)) {
            return;
        }
        PortalChange change = database.inTransaction(connection -> changes.load(connection, id));
        exchange.getMessage().setHeader("PortalSyncChangeStatus", work(change));
    }

    private PortalChange.Status work(PortalChange change) {
        try {
            PortalChange.Status status = change.status() == PortalChange.Status.PENDING ? applyInPortal(change) : change.status();
            if (status == PortalChange.Status.FAILED) {
                return status;
            }
            if (status != PortalChange.Status.WRITING_BACK) {
                changes.finish(change.id(), status, null, null,
                        status == PortalChange.Status.SUPERSEDED ? supersededMessage(change) : null, clock.instant());
                return status;
            }
            if (AppointmentWriteBack.concerns(change)) {
                InsuranceWriteBack.Done done = appointments.writeBack(change);
                return finish(change, done.ehrVersion(), done.status());
            }
            return InsuranceWriteBack.concerns(change) ? writeBackInsurance(change) : writeBack(change);
        } catch (AppointmentWriteBack.Refused e) {
            return fail(change, e.getMessage(), e.patientMessage(), e);
        } catch (FieldOwnedException | InsuranceWriteBack.Refused e) {
            // the rules changed since the change was accepted, or a policy the EHR would not take
            return fail(change, e.getMessage());
        } catch (EhrRequestRejectedException e) {
            return fail(change, e.getMessage());
        } catch (EhrUnavailableException | AuthenticationFailedException e) {
            int attempts = change.attempts() + 1;
            if (attempts >= settings.maxAttempts()) {
                return fail(change, "EHR unavailable after " + attempts + " attempts: " + e.getMessage());
            }
            Instant next = clock.instant().plus(settings.firstRetryDelay().multipliedBy(1L << Math.min(attempts - 1, 16)));
            LOG.warn("Write-back of portal change {} to the EHR failed (attempt {} of {}), next try at {}: {}", change.id(), attempts,
                    settings.maxAttempts(), next, e.getMessage());
            changes.retryLater(change.id(), attempts, next, e.getMessage(), clock.instant());
            return PortalChange.Status.WRITING_BACK;
        }
    }

    /** Step one: the change enters the portal record, under the rules. */
    private PortalChange.Status applyInPortal(PortalChange change) {
        if (AppointmentWriteBack.concerns(change)) {
            return appointments.applyInPortal(change);
        }
        if (InsuranceWriteBack.concerns(change)) {
            return database.inTransaction(connection -> insurance.applyInPortal(change, lock(connection, change.patientId()), connection));
        }
        // what only the portal has never meets the EHR's values nor the FHIR mapping
        Map<AuthorityField, Object> rowValues = new EnumMap<>(change.values());
        CommunicationPreferences preferences = (CommunicationPreferences) rowValues.remove(AuthorityField.PATIENT_COMMUNICATION_PREFERENCES);
        if (preferences != null && !preferences.problems().isEmpty()) {
            return fail(change, "communication-preferences: " + String.join("; ", preferences.problems()));
        }
        // a row the portal wrote into the outbox itself has not been through the API's checks
        StandardisePortalValues.Result standardised = standardise.standardise(rowValues);
        if (!standardised.valid()) {
            return fail(change, "values the mapping refuses: " + standardised.problems().stream()
                    .map(p -> p.field() + ": " + p.problem()).collect(Collectors.joining("; ")));
        }
        return database.inTransaction(connection -> {
            Instant now = clock.instant();
            StoredPatient stored = lock(connection, change.patientId());
            AuthorityRules.ChangeDecision decision = rules.portalChange(stored.patient(), stored.provenance(), standardised.values(),
                    change.initiatedBy(), change.submittedAt());
            AuthorityRules.Merge merge = decision.merge();
            if (!merge.provenance().sameAs(merge.patient(), stored.provenance(), stored.patient())) {
                patients.update(connection, stored.id(), stored.patient(), merge.patient(), merge.provenance(), now);
            }
            conflicts.record(connection, stored.id(), merge.conflicts(), change.id(), now);
            Map<AuthorityField, FieldOutcome> outcomes = new EnumMap<>(decision.outcomes());
            if (preferences != null) {
                outcomes.put(AuthorityField.PATIENT_COMMUNICATION_PREFERENCES,
                        portalOnly.apply(connection, stored.id(), preferences, change.submittedAt()));
            }
            audit.record(connection, new AuditEvent(now, change.clientId(), "PortalPatient.portal-change",
                    "portal_patient/" + stored.id() + " (" + stored.patient().reference() + ") portal_change/" + change.id()
                            + " fields " + change.values().keySet().stream().map(AuthorityField::qualifiedName).collect(Collectors.joining(",")),
                    "portal", outcomes.toString()));
            boolean superseded = !outcomes.isEmpty() && outcomes.values().stream().allMatch(o -> o == FieldOutcome.SUPERSEDED);
            PortalChange.Status next = superseded ? PortalChange.Status.SUPERSEDED
                    : settings.writeBackEnabled() && !rules.pendingWriteBack(merge.patient(), merge.provenance()).isEmpty()
                            ? PortalChange.Status.WRITING_BACK : PortalChange.Status.DONE;
            changes.advance(connection, change.id(), next, outcomesJson(outcomes), null, now);
            return next;
        });
    }

    /** Step two: the portal's values the EHR lacks go to the EHR, with If-Match. */
    private PortalChange.Status writeBack(PortalChange change) {
        String sourceId = database.inTransaction(connection -> sourceId(connection, change.patientId()));
        String url = settings.baseUrl() + "/Patient/" + URLEncoder.encode(sourceId, StandardCharsets.UTF_8);
        String record = "Patient/" + sourceId;
        for (int round = 0; round <= settings.maxConflictRetries(); round++) {
            FhirResponse read = ehr.get(url, "Patient.read");
            if (read.status() >= 300) {
                return fail(change, "the EHR answered HTTP " + read.status() + " to the read of " + record);
            }
            Patient resource = parser.parseResource(Patient.class, read.body());
            // the EHR's current version first, so that its changes meet the portal's under the rules; then what
            // the portal holds that the EHR lacks goes into that version
            Map<AuthorityField, Object> written = database.inTransaction(connection -> {
                delivery.deliver(connection, settings.source(), record, mapper.map(settings.source(), resource), clock.instant());
                StoredPatient current = lock(connection, change.patientId());
                Map<AuthorityField, Object> values = new EnumMap<>(AuthorityField.class);
                for (AuthorityField field : rules.pendingWriteBack(current.patient(), current.provenance())) {
                    WritePortalFieldsToFhir.write(resource, field, current.patient());
                    values.put(field, PatientFieldValues.get(field, current.patient()));
                }
                return values;
            });
            if (written.isEmpty()) {
                StoredPatient current = database.inTransaction(connection -> lock(connection, change.patientId()));
                return finish(change, resource.getMeta().getVersionId(), finalStatus(change, current));
            }
            // no lock is held while the EHR answers: a portal change made meanwhile stays ahead of the EHR and
            // goes in the next round, because what this update carried is recorded as the EHR's value below
            FhirResponse update = ehr.update(url, parser.encodeResourceToString(resource), resource.getMeta().getVersionId(), "Patient.update");
            if (update.versionConflict()) {
                LOG.info("Write-back of portal change {} met a newer version of {} at the EHR (409/412); reading it again", change.id(), record);
                continue;
            }
            Patient stored = parser.parseResource(Patient.class, update.body());
            Optional<PortalChange.Status> done = database.inTransaction(connection -> {
                StoredPatient current = lock(connection, change.patientId());
                PatientProvenance provenance = current.provenance().complete(current.patient());
                for (Map.Entry<AuthorityField, Object> value : written.entrySet()) {
                    provenance = provenance.with(value.getKey(), provenance.of(value.getKey(), current.patient())
                            .seenAtEhr(PatientFieldValues.hash(value.getValue())));
                }
                patients.updateProvenance(connection, current.id(), current.patient(), provenance);
                delivery.deliver(connection, settings.source(), record, mapper.map(settings.source(), stored), clock.instant());
                StoredPatient after = lock(connection, change.patientId());
                return rules.pendingWriteBack(after.patient(), after.provenance()).isEmpty()
                        ? Optional.of(finalStatus(change, after)) : Optional.<PortalChange.Status>empty();
            });
            if (done.isPresent()) {
                return finish(change, stored.getMeta().getVersionId(), done.get());
            }
            // a newer portal change arrived while this one was on its way: another round carries it
        }
        return fail(change, "the EHR's copy of " + record + " changed during each of " + (settings.maxConflictRetries() + 1)
                + " updates (HTTP 409/412 version conflict each time)");
    }

    private PortalChange.Status writeBackInsurance(PortalChange change) {
        InsuranceWriteBack.Done done = insurance.writeBack(change, database.inTransaction(connection -> sourceId(connection, change.patientId())));
        return finish(change, done.ehrVersion(), done.status());
    }

    private PortalChange.Status finish(PortalChange change, String ehrVersion, PortalChange.Status status) {
        changes.finish(change.id(), status, ehrVersion, null,
                status == PortalChange.Status.SUPERSEDED ? supersededMessage(change) : null, clock.instant());
        return status;
    }

    private String supersededMessage(PortalChange change) {
        return AppointmentWriteBack.concerns(change) ? appointments.supersededMessage() : settings.supersededMessage();
    }

    /** DONE, unless every field of the change has since been decided for the EHR by a later EHR change. */
    private static PortalChange.Status finalStatus(PortalChange change, StoredPatient current) {
        List<AuthorityField> fields = change.values().keySet().stream().filter(PatientFieldValues.syncedPatientFields()::contains).toList();
        boolean allLost = !fields.isEmpty() && fields.stream().allMatch(field -> {
            var provenance = current.provenance().of(field, current.patient());
            return provenance.setBy() == Side.EHR && provenance.setAt() != null && provenance.setAt().isAfter(change.submittedAt());
        });
        return allLost ? PortalChange.Status.SUPERSEDED : PortalChange.Status.DONE;
    }

    private PortalChange.Status fail(PortalChange change, String error) {
        return fail(change, error, failedMessage(change), null);
    }

    /** What the patient reads when the change fails: per action, with the next step to take. */
    private String failedMessage(PortalChange change) {
        if (AppointmentWriteBack.concerns(change)) {
            return appointments.failedMessage(change);
        }
        return InsuranceWriteBack.concerns(change) ? settings.insuranceFailedMessage() : settings.failedMessage();
    }

    private PortalChange.Status fail(PortalChange change, String error, String patientMessage, AppointmentWriteBack.Refused refused) {
        LOG.warn("Portal change {} failed: {}", change.id(), error);
        Instant now = clock.instant();
        // the portal shows the EHR's values again before the outcome is told: whoever reads FAILED sees them
        if (AppointmentWriteBack.concerns(change)) {
            appointments.failed(change, error, refused);
        }
        changes.finish(change.id(), PortalChange.Status.FAILED, null, error, patientMessage, now);
        database.inTransaction(connection -> {
            AlertLog.insert(connection, now, AlertKind.WRITE_BACK_FAILED, settings.source(),
                    "portal change " + change.id() + " for portal_patient/" + change.patientId() + " failed: " + error, null);
            return null;
        });
        return PortalChange.Status.FAILED;
    }

    private StoredPatient lock(Connection connection, long patientId) throws SQLException {
        return patients.findForUpdate(connection, settings.source(), sourceId(connection, patientId))
                .orElseThrow(() -> new IllegalStateException("portal_patient/" + patientId + " is gone"));
    }

    private static String sourceId(Connection connection, long patientId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT source_id FROM portal_patient WHERE id = ?")) {
            select.setLong(1, patientId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    throw new IllegalStateException("portal_patient/" + patientId + " is gone");
                }
                return row.getString(1);
            }
        }
    }

    static String outcomesJson(Map<AuthorityField, FieldOutcome> outcomes) {
        StringBuilder json = new StringBuilder("{");
        outcomes.forEach((field, outcome) -> json.append(json.length() > 1 ? "," : "").append('"').append(field.configName())
                .append("\":\"").append(outcome.name()).append('"'));
        return json.append('}').toString();
    }
}
