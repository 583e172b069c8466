package org.portalsync.writeback;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.Identifier;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.AuthorityRules.FieldOutcome;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.authority.PatientFieldValues;
import org.portalsync.authority.Side;
import org.portalsync.insurance.DeliverCoverage;
import org.portalsync.insurance.InsuranceChange;
import org.portalsync.insurance.InsurancePolicy;
import org.portalsync.insurance.MapFhirCoverage;
import org.portalsync.insurance.PortalInsuranceStore;
import org.portalsync.insurance.PortalInsuranceStore.StoredInsurance;
import org.portalsync.insurance.WriteInsuranceToCoverage;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore.StoredPatient;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;

/**
 * The insurance half of {@link ApplyPortalChange}: a portal change of one policy enters
 * {@code portal_insurance} under the {@code insurance} rule, then goes to the EHR: an update of its
 * Coverage with {@code If-Match} (on 409/412: read, merge, try again, bounded), or for a policy the portal
 * added, a conditional create keyed by the policy's portal id, so a retried create makes no second Coverage.
 */
public final class InsuranceWriteBack {

    /** Identifier system of the Coverages the engine creates: the value is the policy's portal id. */
    static final String PORTAL_POLICY_SYSTEM = "urn:portal-sync:insurance";

    private static final AuthorityField FIELD = AuthorityField.PATIENT_INSURANCE;

    /** The change cannot be applied or written: it fails with the patient-facing message. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    /** How a write-back ended: the EHR version that carries it, and the change's final status. */
    record Done(String ehrVersion, PortalChange.Status status) {
    }

    private final ApplyPortalChange.Settings settings;
    private final PortalDatabase database;
    private final PortalInsuranceStore policies;
    private final PortalChangeStore changes;
    private final AuthorityRules rules;
    private final FieldConflictStore conflicts;
    private final AuditTrail audit;
    private final FhirSourceClient ehr;
    private final IParser parser;
    private final MapFhirCoverage mapper;
    private final WriteInsuranceToCoverage writer;
    private final DeliverCoverage delivery;
    private final Clock clock;

    public InsuranceWriteBack(ApplyPortalChange.Settings settings, PortalDatabase database, PortalInsuranceStore policies, PortalChangeStore changes,
            AuthorityRules rules, FieldConflictStore conflicts, AuditTrail audit, FhirSourceClient ehr, FhirContext fhir, MapFhirCoverage mapper,
            WriteInsuranceToCoverage writer, DeliverCoverage delivery, Clock clock) {
        this.settings = settings;
        this.database = database;
        this.policies = policies;
        this.changes = changes;
        this.rules = rules;
        this.conflicts = conflicts;
        this.audit = audit;
        this.ehr = ehr;
        this.parser = fhir.newJsonParser();
        this.mapper = mapper;
        this.writer = writer;
        this.delivery = delivery;
        this.clock = clock;
    }

    static boolean concerns(PortalChange change) {
        return change.values().containsKey(FIELD);
    }

    /** Step one: the policy enters the portal, under the rules, with the patient's row locked. */
    PortalChange.Status applyInPortal(PortalChange change, StoredPatient patient, Connection connection) throws SQLException {
        Instant now = clock.instant();
        InsuranceChange submitted = (InsuranceChange) change.values().get(FIELD);
        InsurancePolicy policy = submitted.policy();
        List<String> problems = policy.problems();
        if (!problems.isEmpty()) {
            throw new Refused("insurance the EHR would not take: " + String.join("; ", problems));
        }
        Optional<StoredInsurance> stored = submitted.coverageId() == null ? Optional.empty()
                : policies.findForUpdate(connection, settings.source(), submitted.coverageId());
        if (submitted.coverageId() != null && (stored.isEmpty() || stored.get().patientId() != patient.id() || stored.get().deletedAt() != null)) {
            throw new Refused("Coverage/" + submitted.coverageId() + " is not a current policy of " + patient.patient().reference());
        }
        InsurancePolicy current = stored.map(StoredInsurance::policy).orElse(null);
        FieldProvenance was = stored.map(StoredInsurance::provenance).orElse(new FieldProvenance(null, null, null, null));
        AuthorityRules.FieldChange decision = rules.portalChangeField(FIELD, current, was, policy, change.initiatedBy(), change.submittedAt());
        long id;
        if (stored.isEmpty()) {
            id = policies.insert(connection, patient.id(), settings.source(), null, null, null, policy, decision.provenance(), now);
        } else {
            StoredInsurance row = stored.get();
            id = row.id();
            if (decision.store()) {
                policies.update(connection, id, row.sourceId(), row.sourceVersion(), row.sourceLastUpdated(), policy, decision.provenance(), now);
            }
        }
        changes.setInsurance(connection, change.id(), id);
        conflicts.record(connection, patient.id(), decision.conflict().stream().toList(), change.id(), now);
        audit.record(connection, new AuditEvent(now, change.clientId(), "PortalInsurance.portal-change", "portal_insurance/" + id + " ("
                + patient.patient().reference() + ") portal_change/" + change.id(), "portal", decision.outcome().name()));
        StoredInsurance after = policies.findForUpdate(connection, id).orElseThrow();
        PortalChange.Status next = decision.outcome() == FieldOutcome.SUPERSEDED ? PortalChange.Status.SUPERSEDED
                : settings.writeBackEnabled() && rules.matrix().policy(FIELD).writeBack() && aheadOfEhr(after)
                        ? PortalChange.Status.WRITING_BACK : PortalChange.Status.DONE;
        changes.advance(connection, change.id(), next, "{\"" + FIELD.configName() + "\":\"" + decision.outcome().name() + "\"}", null, now);
        return next;
    }

    /** Step two: the policy goes to the EHR. */
    Done writeBack(PortalChange change, String patientSourceId) {
        long id = database.inTransaction(connection -> changes.insuranceOf(connection, change.id()))
                .orElseThrow(() -> new IllegalStateException("portal_change/" + change.id() + " names no policy"));
        for (int round = 0; round <= settings.maxConflictRetries(); round++) {
            StoredInsurance row = database.inTransaction(connection -> policies.findForUpdate(connection, id)).orElseThrow();
            if (!aheadOfEhr(row)) {
                return new Done(row.sourceVersion(), finalStatus(change, row));
            }
            if (row.sourceId() == null) {
                return create(change, row, patientSourceId);
            }
            String url = settings.baseUrl() + "/Coverage/" + URLEncoder.encode(row.sourceId(), StandardCharsets.UTF_8);
            FhirResponse read = ehr.get(url, "Coverage.read");
            if (read.status() >= 300) {
                throw new Refused("the EHR answered HTTP " + read.status() + " to the read of Coverage/" + row.sourceId());
            }
            Coverage resource = parser.parseResource(Coverage.class, read.body());
            // the EHR's current version meets the portal's policy under the rules first
            StoredInsurance merged = database.inTransaction(connection -> {
                delivery.deliver(connection, settings.source(), mapper.map(resource), clock.instant());
                return policies.findForUpdate(connection, id).orElseThrow();
            });
            if (!aheadOfEhr(merged)) {
                return new Done(merged.sourceVersion(), finalStatus(change, merged));
            }
            Coverage updated = writer.apply(resource, merged.policy());
            FhirResponse update = ehr.update(url, parser.encodeResourceToString(updated), resource.getMeta().getVersionId(), "Coverage.update");
            if (update.versionConflict()) {
                continue;
            }
            return recordWritten(change, id, merged.policy(), parser.parseResource(Coverage.class, update.body()));
        }
        throw new Refused("the EHR's copy of the policy changed during each of " + (settings.maxConflictRetries() + 1)
                + " updates (HTTP 409/412 version conflict each time)");
    }

    private Done create(PortalChange change, StoredInsurance row, String patientSourceId) {
        Coverage created = writer.create(patientSourceId, row.policy());
        created.addIdentifier(new Identifier().setSystem(PORTAL_POLICY_SYSTEM).setValue(Long.toString(row.id())));
        FhirResponse response = ehr.create(settings.baseUrl() + "/Coverage", parser.encodeResourceToString(created),
                "identifier=" + URLEncoder.encode(PORTAL_POLICY_SYSTEM + "|" + row.id(), StandardCharsets.UTF_8), "Coverage.create");
        if (response.status() >= 300) {
            throw new Refused("the EHR answered HTTP " + response.status() + " to the creation of the policy");
        }
        return recordWritten(change, row.id(), row.policy(), parser.parseResource(Coverage.class, response.body()));
    }

    /** What the EHR now holds is the EHR's last value of the policy; then its version is merged like any other. */
    private Done recordWritten(PortalChange change, long id, InsurancePolicy written, Coverage stored) {
        StoredInsurance after = database.inTransaction(connection -> {
            StoredInsurance row = policies.findForUpdate(connection, id).orElseThrow();
            FieldProvenance provenance = row.provenance().seenAtEhr(PatientFieldValues.hash(written));
            policies.update(connection, id, stored.getIdElement().getIdPart(), row.sourceVersion(), row.sourceLastUpdated(), row.policy(),
                    provenance, clock.instant());
            delivery.deliver(connection, settings.source(), mapper.map(stored), clock.instant());
            return policies.findForUpdate(connection, id).orElseThrow();
        });
        return new Done(stored.getMeta().getVersionId(), finalStatus(change, after));
    }

    private static boolean aheadOfEhr(StoredInsurance row) {
        return row.provenance().portalAheadOfEhr(PatientFieldValues.hash(row.policy()));
    }

    /** DONE, unless a later EHR change has since decided the policy. */
    private static PortalChange.Status finalStatus(PortalChange change, StoredInsurance row) {
        FieldProvenance provenance = row.provenance();
        boolean lost = provenance.setBy() == Side.EHR && provenance.setAt() != null && provenance.setAt().isAfter(change.submittedAt());
        return lost ? PortalChange.Status.SUPERSEDED : PortalChange.Status.DONE;
    }

}
