package org.portalsync.source.soap;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.alert.AlertKind;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SOAP service shows a deletion only by no longer listing the record. After a poll that read every record (a full
 * read, {@link StartSoapPoll#FULL_READ_AT}) to the last page, the source's portal patients it did not list become
 * deletions ({@link DeletedResource}, the body), for the shared pipeline to archive one by one, as a FHIR EHR's
 * deletions are; only the patients its mapping makes (by their id prefix) are candidates. A service that answers a
 * short list by mistake (an empty page, a filter gone wrong) must not archive the practice: a read that would archive
 * more than the limit (a share of the source's active patients, {@link SoapDeletionLimit}) archives none and
 * raises a {@link AlertKind#SOAP_DELETIONS_HELD} alert, once a day.
 * A changed-since poll lists nothing.
 */
public final class ListSoapPatientsGone implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(ListSoapPatientsGone.class);

    private final PortalDatabase database;
    private final boolean enabled;
    private final SoapDeletionLimit limit;

    /** @param enabled false: deletions are never inferred (a service whose answer is not its whole list) */
    public ListSoapPatientsGone(PortalDatabase database, boolean enabled, SoapDeletionLimit limit) {
        this.database = database;
        this.enabled = enabled;
        this.limit = limit;
    }

    @Override
    public void process(Exchange exchange) {
        Instant fullRead = exchange.getProperty(StartSoapPoll.FULL_READ_AT, Instant.class);
        @SuppressWarnings("unchecked")
        Set<String> seen = exchange.getProperty(StartSoapPoll.SEEN_PATIENTS, Set.class);
        MappingFile mapping = exchange.getProperty(StartSoapPoll.MAPPING, MappingFile.class);
        exchange.getMessage().setBody(List.of());
        if (!enabled || fullRead == null || seen == null) {
            return;
        }
        String source = mapping.source();
        // only the patients this mapping makes (their ids start with its prefix): another feed of the same source
        // (an HL7 v2 mapping naming it) is never swept by what the SOAP service lists
        String idStart = mapping.idPrefix() + "-";
        List<String> active = activePatients(source).stream().filter(id -> id.startsWith(idStart)).toList();
        List<String> gone = active.stream().filter(id -> !seen.contains(id)).toList();
        if (gone.isEmpty()) {
            return;
        }
        int allowed = limit.of(active.size());
        if (gone.size() > allowed) {
            hold(source, mapping.soap().operation(), gone.size(), active.size(), allowed);
            return;
        }
        // no version and no time: the service never says when it deleted a record, so the portal keeps the version it holds,
        // and the record listed again (even unchanged: a service that dropped it for a while) is restored
        List<DeletedResource> deletions = new ArrayList<>(gone.size());
        gone.forEach(id -> deletions.add(new DeletedResource("Patient", id, null, null)));
        LOG.info("{} {}: {} of {} active patients no longer listed by the full read; archiving them", source, mapping.soap().operation(),
                gone.size(), active.size());
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        exchange.getMessage().setBody(deletions);
    }

    private List<String> activePatients(String source) {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT source_id FROM portal_patient WHERE source = ? AND archived = FALSE ORDER BY source_id")) {
                select.setString(1, source);
                List<String> ids = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        ids.add(rows.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    private void hold(String source, String operation, int gone, int active, int allowed) {
        limit.hold(source, source + " " + operation + ": the full read no longer lists " + gone + " of the " + active + " active portal "
                + "patients, more than the " + allowed + " one read may archive (portal-sync.source.soap.deletions-max-percent); none archived");
    }
}
