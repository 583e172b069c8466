package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Patient.LinkType;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;

/**
 * The shared pipeline's step after a Patient is delivered: a merge. Each patient the delivered one replaces (FHIR
 * {@code Patient.link} of type {@code replaces}, as an HL7 v2 ADT^A40 maps to) is archived in the portal with a
 * link to the survivor ({@code replaced_by}, FHIR's {@code replaced-by}) and its appointments move to the survivor,
 * in one transaction under both rows' locks. The survivor keeps its own portal data (emails, preferences, its
 * appointments); the merged record's stay with it, archived, for history. A replaced patient the portal does not
 * hold merges nothing and becomes a data-quality row naming the survivor; a merge sent again changes nothing.
 */
public final class MergeReplacedPatients implements Processor {

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final PortalAppointmentStore appointments;
    private final DataQualityLog dataQuality;
    private final AuditTrail audit;
    private final String actor;
    private final Clock clock;

    public MergeReplacedPatients(PortalDatabase database, PortalPatientStore patients, PortalAppointmentStore appointments,
            DataQualityLog dataQuality, AuditTrail audit, String actor, Clock clock) {
        this.database = database;
        this.patients = patients;
        this.appointments = appointments;
        this.dataQuality = dataQuality;
        this.audit = audit;
        this.actor = actor;
        this.clock = clock;
    }

    /** The logical ids of the patients a Patient replaces (its {@code link} of type {@code replaces} to a Patient). */
    public static List<String> replaced(Patient patient) {
        return patient.getLink().stream().filter(link -> link.getType() == LinkType.REPLACES)
                .map(link -> link.getOther().getReferenceElement())
                .filter(other -> "Patient".equals(other.getResourceType()) && other.hasIdPart())
                .map(other -> other.getIdPart()).filter(id -> !id.equals(patient.getIdElement().getIdPart())).distinct().toList();
    }

    @Override
    public void process(Exchange exchange) {
        if (!(exchange.getProperty(SyncHeaders.SOURCE_RESOURCE) instanceof Patient survivor) || replaced(survivor).isEmpty()
                || exchange.getMessage().getHeader(SyncHeaders.OUTCOME) == SyncOutcome.REJECTED) {
            return;
        }
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        database.inTransaction(connection -> {
            merge(connection, source, survivor.getIdElement().getIdPart(), replaced(survivor), clock.instant());
            return null;
        });
    }

    private void merge(Connection connection, String source, String survivorId, List<String> mergedIds, Instant now) throws SQLException {
        OptionalLong survivor = patients.lock(connection, source, survivorId);
        if (survivor.isEmpty()) {
            return;
        }
        for (String mergedId : mergedIds) {
            OptionalLong merged = patients.lock(connection, source, mergedId);
            if (merged.isEmpty()) {
                dataQuality.record(connection, source, List.of(new DataQualityIssue("Patient/" + survivorId, "Patient.link",
                        "replaces Patient/" + mergedId + ", which the portal does not hold: nothing merged", false)), now);
                continue;
            }
            if (!patients.markReplaced(connection, merged.getAsLong(), survivor.getAsLong(), now)) {
                continue; // merged into this survivor before: a message sent again
            }
            int moved = appointments.moveToPatient(connection, merged.getAsLong(), survivor.getAsLong(), now);
            audit.record(connection, new AuditEvent(now, actor, "PortalPatient.merge", "portal_patient/" + merged.getAsLong() + " (Patient/"
                    + mergedId + ") into portal_patient/" + survivor.getAsLong() + " (Patient/" + survivorId + "), " + moved + " appointments moved",
                    "portal-db", "success"));
        }
    }
}
