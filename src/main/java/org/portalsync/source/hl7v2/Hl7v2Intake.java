package org.portalsync.source.hl7v2;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hl7v2.ErrorCode;
import org.portalsync.audit.AuditEvent;
import org.hl7.fhir.r4.model.Patient;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.ConfigurationException;
import org.portalsync.portal.MergeReplacedPatients;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.validate.DataQualityIssue;
import org.portalsync.validate.DataQualityLog;

/**
 * How a message enters the legacy inbox, whichever way it came (MLLP, a file of the drop folder): read it, map it
 * with the mapping that takes its type and event ({@link #prepare}), then store it with its unmapped-fields digest
 * row and its audit row in the caller's transaction ({@link #store}). Preparing stores nothing, so that a file's
 * messages can all be checked before any of them is stored.
 */
public final class Hl7v2Intake {

    /** The digest field of what a mapping leaves unread. */
    private static final String UNMAPPED_FIELD = "HL7v2 unmapped";

    /** A message read and mapped (its resources already JSON, as the inbox keeps them), not yet stored. */
    public record Prepared(Hl7v2Message message, MappedMessage mapped, String type, String text, String resourceJson) {

        public String controlId() {
            return message.controlId();
        }
    }

    /**
     * A prepared message to store, as it came.
     *
     * @param actor      e.g. {@code mllp} or {@code file}: the way it came, named in the audit row with its sender
     * @param peer       where it came from (the sender's address, the file's name)
     * @param receivedAt its arrival: the inbox's order and the record's source version
     */
    public record Arrival(Prepared prepared, String actor, String peer, Instant receivedAt) {
    }

    private final Hl7v2Reader reader;
    private final Hl7v2Mappings mappings;
    private final MapHl7v2Message mapper;
    private final FhirContext fhir;
    private final Hl7v2Inbox inbox;
    private final DataQualityLog dataQuality;
    private final AuditTrail audit;
    private final PortalDatabase database;

    public Hl7v2Intake(Hl7v2Reader reader, Hl7v2Mappings mappings, MapHl7v2Message mapper, FhirContext fhir, Hl7v2Inbox inbox,
            DataQualityLog dataQuality, AuditTrail audit, PortalDatabase database) {
        this.reader = reader;
        this.mappings = mappings;
        this.mapper = mapper;
        this.fhir = fhir;
        this.inbox = inbox;
        this.dataQuality = dataQuality;
        this.audit = audit;
        this.database = database;
    }

    /** @throws Hl7v2MessageException naming the field and the problem when the message cannot be taken */
    public Prepared prepare(String text) {
        return prepare(text, List.of());
    }

    /**
     * @param earlier the messages before it in the same file, to be stored with it: a merge (A40) may name a patient
     *                one of them makes
     * @throws Hl7v2MessageException naming the field and the problem when the message cannot be taken
     */
    public Prepared prepare(String text, List<Prepared> earlier) {
        Hl7v2Message message = reader.read(text);
        if (message.controlId().isEmpty()) {
            throw new Hl7v2MessageException("MSH-10", "required: the message control id, by which a message sent twice is known",
                    ErrorCode.REQUIRED_FIELD_MISSING);
        }
        String type = message.type() + "^" + message.event();
        MappingFile mapping = mappings.forMessage(message).orElseThrow(() -> mappings.notTaken(message));
        MappingFile patientMapping;
        try {
            patientMapping = mappings.patientFor(mapping);
        } catch (ConfigurationException e) {
            throw new Hl7v2MessageException("MSH-9", "the mapping for " + type + " cannot be used now: " + e.getMessage(),
                    ErrorCode.APPLICATION_INTERNAL_ERROR);
        }
        MappedMessage mapped = mapper.map(mapping, patientMapping, message);
        checkMergedPatientsKnown(mapped, earlier);
        // encoded here, on the caller's thread, so that the one thread that stores the listener's messages only writes
        return new Prepared(message, mapped, type, text, fhir.newJsonParser().encodeResourceToString(Hl7v2InboxResources.of(mapped)));
    }

    /**
     * A merge (A40) of a patient the portal has never heard of (not in the portal, no message of its record taken, none
     * before it in the same file) would merge nothing: it is refused, so that the sender learns it, and nothing of it is
     * stored.
     */
    private void checkMergedPatientsKnown(MappedMessage mapped, List<Prepared> earlier) {
        if (!(mapped.resource() instanceof Patient patient)) {
            return;
        }
        String source = mapped.mapping().source();
        for (String merged : MergeReplacedPatients.replaced(patient)) {
            String record = "Patient/" + merged;
            boolean inFile = earlier.stream().anyMatch(p -> p.mapped().mapping().source().equals(source) && p.mapped().record().equals(record));
            if (!inFile && !database.inTransaction(connection -> PortalPatientStore.exists(connection, source, merged)
                    || inbox.holds(connection, source, record))) {
                throw new Hl7v2MessageException("MRG-1", "the merged patient is unknown: neither in the portal nor in an earlier message; "
                        + "nothing was merged", ErrorCode.UNKNOWN_KEY_IDENTIFIER);
            }
        }
    }

    /**
     * Stores a prepared message in the caller's transaction, with an audit row, its leftovers counted for the digest.
     *
     * @param actor e.g. {@code mllp} or {@code file}: the way it came, named in the audit row with its sender
     * @param peer  where it came from (the sender's address, the file's name)
     * @return its inbox id, or empty when its sender's control id is stored already (not applied again)
     */
    public Optional<Long> store(Connection connection, Prepared prepared, String actor, String peer, Instant now) throws SQLException {
        return storeAll(connection, List.of(new Arrival(prepared, actor, peer, now))).get(0);
    }

    /**
     * Stores messages in the caller's transaction, in their order, each with an audit row and its leftovers counted for
     * the digest: two JDBC batches whatever their number, and a statement for each kind of leftovers among them. A
     * control id its sender used before, or that came earlier in the list, is not stored again; its audit row says so.
     *
     * @return for each message, its inbox id, or empty when it is a duplicate (not applied again)
     */
    public List<Optional<Long>> storeAll(Connection connection, List<Arrival> arrivals) throws SQLException {
        List<Hl7v2Inbox.Received> received = new ArrayList<>(arrivals.size());
        for (Arrival arrival : arrivals) {
            Prepared prepared = arrival.prepared();
            MappingFile mapping = prepared.mapped().mapping();
            received.add(new Hl7v2Inbox.Received(arrival.receivedAt(), prepared.message().sender(), prepared.controlId(), prepared.type(),
                    mapping.name(), mapping.source(), prepared.mapped().record(), prepared.mapped().patientRecord(), prepared.text(),
                    prepared.resourceJson()));
        }
        List<Optional<Long>> ids = inbox.storeAll(connection, received);
        Map<DataQualityLog.Counted, Leftovers> leftovers = new LinkedHashMap<>();
        List<AuditEvent> events = new ArrayList<>(arrivals.size());
        for (int i = 0; i < arrivals.size(); i++) {
            Arrival arrival = arrivals.get(i);
            Hl7v2Message message = arrival.prepared().message();
            MappedMessage mapped = arrival.prepared().mapped();
            boolean stored = ids.get(i).isPresent();
            if (stored) {
                leftover(arrival.prepared()).ifPresent(issue -> leftovers.computeIfAbsent(
                        new DataQualityLog.Counted(mapped.mapping().source(), issue), key -> new Leftovers(arrival.receivedAt()))
                        .add(arrival.receivedAt()));
            }
            events.add(new AuditEvent(arrival.receivedAt(), arrival.actor() + ":" + message.sender(), "HL7v2 " + arrival.prepared().type(),
                    mapped.record() + " MSH-10 " + message.controlId(), arrival.peer(), stored ? "success" : "success: duplicate, not applied again"));
        }
        for (Map.Entry<DataQualityLog.Counted, Leftovers> each : leftovers.entrySet()) {
            Leftovers counted = each.getValue();
            dataQuality.count(connection, each.getKey(), counted.messages, counted.first, counted.last);
        }
        audit.recordAll(connection, events);
        return ids;
    }

    /** The messages of one batch that a mapping left the same fields and codes of. */
    private static final class Leftovers {
        private final Instant first;
        private Instant last;
        private int messages;

        Leftovers(Instant first) {
            this.first = first;
            this.last = first;
        }

        void add(Instant receivedAt) {
            messages++;
            last = receivedAt.isAfter(last) ? receivedAt : last;
        }
    }

    /**
     * What the mapping left aside, fields and codes, never values: a matter of the mapping, the same for every message
     * of its type that carries them, so one digest row per mapping, message type and leftovers counts the messages
     * (DataQualityLog.count). Which messages they were, the audit rows and the inbox say.
     */
    private static Optional<DataQualityIssue> leftover(Prepared prepared) {
        MappedMessage mapped = prepared.mapped();
        if (mapped.unmapped().isEmpty() && mapped.codes().isEmpty()) {
            return Optional.empty();
        }
        StringBuilder problem = new StringBuilder("HL7 v2 " + prepared.type() + " messages: ");
        if (!mapped.unmapped().isEmpty()) {
            problem.append("no rule reads ").append(String.join(", ", mapped.unmapped()));
        }
        if (!mapped.codes().isEmpty()) {
            problem.append(mapped.unmapped().isEmpty() ? "" : "; ").append(String.join("; ", mapped.codes().stream().map(Object::toString).toList()));
        }
        return Optional.of(new DataQualityIssue("mapping " + mapped.mapping().name(), UNMAPPED_FIELD, problem.toString(), false));
    }
}
