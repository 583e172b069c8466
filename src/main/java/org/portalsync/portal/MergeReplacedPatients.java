package org.portalsync.portal;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
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
import org.portalsync.welcome.WelcomeOutbox;

/**
 * The shared pipeline's step after a Patient is delivered: a merge. A merge is named from either side, as FHIR
 * {@code Patient.link} has it: the delivered patient {@code replaces} another (the survivor, as an HL7 v2 ADT^A40 maps
 * to), or was {@code replaced-by} another (the merged record, as a FHIR EHR marks it). The merged patient is archived in
 * the portal with a link to the survivor ({@code replaced_by}) and its appointments move to the survivor, in one
 * transaction under both rows' locks (the survivor's first). The survivor keeps its own portal data (emails,
 * preferences, its appointments); the merged record's stay with it, archived, for history. One person gets one welcome:
 * the merged record's pending welcome is cancelled, and so is the survivor's if the merged record was welcomed already.
 * A patient the portal does not hold merges nothing and becomes a data-quality row naming both; a merge sent again
 * changes nothing.
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

    /** One merge a Patient names: the survivor's and the merged patient's logical ids, and which of them named it. */
    record Merge(String survivor, String merged, boolean namedBySurvivor) {
    }

    /** The logical ids of the patients a Patient replaces (its {@code link} of type {@code replaces} to a Patient). */
    public static List<String> replaced(Patient patient) {
        return linked(patient, LinkType.REPLACES);
    }

    /** Whether a resource is a Patient that names a merge, either side ({@code replaces} or {@code replaced-by}). */
    public static boolean namesMerge(Object resource) {
        return resource instanceof Patient patient && !merges(patient).isEmpty();
    }

    static List<Merge> merges(Patient patient) {
        String id = patient.getIdElement().getIdPart();
        List<Merge> merges = new ArrayList<>();
        linked(patient, LinkType.REPLACES).forEach(merged -> merges.add(new Merge(id, merged, true)));
        linked(patient, LinkType.REPLACEDBY).forEach(survivor -> merges.add(new Merge(survivor, id, false)));
        return merges;
    }

    private static List<String> linked(Patient patient, LinkType type) {
        return patient.getLink().stream().filter(link -> link.getType() == type)
                .map(link -> link.getOther().getReferenceElement())
                .filter(other -> "Patient".equals(other.getResourceType()) && other.hasIdPart())
                .map(other -> other.getIdPart()).filter(id -> !id.equals(patient.getIdElement().getIdPart())).distinct().toList();
    }

    @Override
    public void process(Exchange exchange) {
        if (!(exchange.getProperty(SyncHeaders.SOURCE_RESOURCE) instanceof Patient patient) || merges(patient).isEmpty()
                || exchange.getMessage().getHeader(SyncHeaders.OUTCOME) == SyncOutcome.REJECTED) {
            return;
        }
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        database.inTransaction(connection -> {
            Instant now = clock.instant();
            for (Merge merge : merges(patient)) {
                merge(connection, source, merge, now);
            }
            return null;
        });
    }

    private void merge(Connection connection, String source, Merge merge, Instant now) throws SQLException {
        OptionalLong survivor = patients.lock(connection, source, merge.survivor());
        if (survivor.isEmpty()) {
            if (!merge.namedBySurvivor()) {
                notHeld(connection, source, "Patient/" + merge.merged(), "replaced-by Patient/" + merge.survivor(), now);
            }
            return; // the survivor's own delivery failed: its retry merges
        }
        OptionalLong merged = patients.lock(connection, source, merge.merged());
        if (merged.isEmpty()) {
            notHeld(connection, source, "Patient/" + merge.survivor(), "replaces Patient/" + merge.merged(), now);
            return;
        }
        if (!patients.markReplaced(connection, merged.getAsLong(), survivor.getAsLong(), now)) {
            return; // merged into this survivor before: a message sent again, or the other side of the same merge
        }
        int moved = appointments.moveToPatient(connection, merged.getAsLong(), survivor.getAsLong(), now);
        int welcomesCancelled = WelcomeOutbox.cancelForMerge(connection, merged.getAsLong(), survivor.getAsLong(), now);
        audit.record(connection, new AuditEvent(now, actor, "PortalPatient.merge", "portal_patient/" + merged.getAsLong() + " (Patient/"
                + merge.merged() + ") into portal_patient/" + survivor.getAsLong() + " (Patient/" + merge.survivor() + "), " + moved
                + " appointments moved, " + welcomesCancelled + " pending welcomes cancelled", "portal-db", "success"));
    }

    private void notHeld(Connection connection, String source, String record, String link, Instant now) throws SQLException {
        dataQuality.record(connection, source, List.of(new DataQualityIssue(record, "Patient.link",
                link + ", which the portal does not hold: nothing merged", false)), now);
    }
}
