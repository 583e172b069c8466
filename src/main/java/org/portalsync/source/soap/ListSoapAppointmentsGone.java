package org.portalsync.source.soap;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SOAP record lists its patient's upcoming appointments; one the record no longer lists was deleted at the service.
 * For the patients of the page just read ({@link StartSoapPoll#LISTED_APPOINTMENTS}), the portal's upcoming
 * appointments of the appointment mapping (by their id prefix) that their records left out become deletions
 * ({@link DeletedResource}, the body) for the appointment pipeline: out of the patient's view, kept in the table.
 * An appointment that has begun is never a candidate: the service lists only upcoming ones, so a past appointment
 * leaves the list by time, not by deletion. A page that would remove more than the limit (a share of those patients'
 * upcoming appointments, {@link SoapDeletionLimit}) removes none and raises a
 * {@link org.portalsync.alert.AlertKind#SOAP_DELETIONS_HELD} alert: a service whose appointment list broke must not
 * empty the patients' calendars.
 */
public final class ListSoapAppointmentsGone implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ListSoapAppointmentsGone.class);

    private final PortalDatabase database;
    private final boolean enabled;
    private final SoapDeletionLimit limit;
    private final Clock clock;

    /** @param enabled false: deletions are never inferred (a service whose answer is not its whole list) */
    public ListSoapAppointmentsGone(PortalDatabase database, boolean enabled, SoapDeletionLimit limit, Clock clock) {
        this.database = database;
        this.enabled = enabled;
        this.limit = limit;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        @SuppressWarnings("unchecked")
        Map<String, Set<String>> listed = exchange.getProperty(StartSoapPoll.LISTED_APPOINTMENTS, Map.class);
        MappingFile mapping = exchange.getProperty(StartSoapPoll.APPOINTMENT_MAPPING, MappingFile.class);
        exchange.getMessage().setBody(List.of());
        if (!enabled || listed == null || listed.isEmpty() || mapping == null) {
            return;
        }
        String source = mapping.source();
        String idStart = mapping.idPrefix() + "-";
        Instant now = clock.instant();
        List<String> upcoming = new ArrayList<>();
        List<DeletedResource> gone = new ArrayList<>();
        database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT a.source_id FROM portal_appointment a "
                    + "JOIN portal_patient p ON p.id = a.patient_id WHERE p.source = ? AND p.source_id = ? AND a.source = ? "
                    + "AND a.deleted_at IS NULL AND a.start_at > ?")) {
                for (Map.Entry<String, Set<String>> patient : listed.entrySet()) {
                    select.setString(1, source);
                    select.setString(2, patient.getKey());
                    select.setString(3, source);
                    select.setObject(4, PortalDatabase.utc(now));
                    try (ResultSet rows = select.executeQuery()) {
                        while (rows.next()) {
                            String id = rows.getString(1);
                            // only the appointments this mapping makes: an SIU feed of the same source is not listed here
                            if (id.startsWith(idStart)) {
                                upcoming.add(id);
                                if (!patient.getValue().contains(id)) {
                                    // no version, no time: the portal keeps the version it holds, and an appointment listed
                                    // again, even unchanged, comes back into view
                                    gone.add(new DeletedResource("Appointment", id, null, null));
                                }
                            }
                        }
                    }
                }
            }
            return null;
        });
        if (gone.isEmpty()) {
            return;
        }
        int allowed = limit.of(upcoming.size());
        if (gone.size() > allowed) {
            limit.hold(source, source + " " + mapping.soap().operation() + ": the records of " + listed.size() + " patients no longer list "
                    + gone.size() + " of their " + upcoming.size() + " upcoming portal appointments, more than the " + allowed + " one page "
                    + "may remove (portal-sync.source.soap.deletions-max-percent); none removed");
            return;
        }
        LOG.info("{} {}: {} upcoming appointments no longer listed in their patients' records; removing them from the patients' view",
                source, mapping.soap().operation(), gone.size());
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        exchange.getMessage().setBody(gone);
    }
}
