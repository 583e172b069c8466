package org.portalsync.observation;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.StringType;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.SourceVersionOrder;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.sync.SyncHeaders;
import org.portalsync.sync.SyncOutcome;

/**
 * Delivers one result (a FHIR Observation from a legacy source) to {@code portal_observation} in one transaction,
 * under the patient's row lock: created, or updated in place (a corrected result names the same order and set id,
 * so it has the same id), never older over newer ({@link SourceVersionOrder}), with an audit row. A result without
 * a patient or a code is malformed (a data-quality row); one whose patient the portal lacks is dead-lettered
 * ({@link PatientResultNotInPortalException}). Sets the outcome header.
 */
public final class DeliverObservation implements Processor {

    /** Header: the source's IANA zone, kept beside the result's time; the engine's zone when absent. */
    public static final String ZONE = "PortalSyncZone";

    private record Values(String orderNumber, String orderName, String status, String codeSystem, String code, String codeDisplay,
            String valueType, BigDecimal valueNumber, String valueText, String valueCode, String valueCodeSystem, String unit,
            String referenceRange, String interpretation, Instant effectiveAt) {
    }

    private record Stored(long id, String sourceVersion, Instant sourceLastUpdated) {
    }

    private final PortalDatabase database;
    private final PortalPatientStore patients;
    private final DeadLetterStore deadLetters;
    private final AuditTrail audit;
    private final String actor;
    private final String defaultZone;
    private final Clock clock;

    public DeliverObservation(PortalDatabase database, PortalPatientStore patients, DeadLetterStore deadLetters, AuditTrail audit, String actor,
            String defaultZone, Clock clock) {
        this.database = database;
        this.patients = patients;
        this.deadLetters = deadLetters;
        this.audit = audit;
        this.actor = actor;
        this.defaultZone = defaultZone;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String source = exchange.getMessage().getHeader(SyncHeaders.SOURCE, String.class);
        String zone = exchange.getMessage().getHeader(ZONE, defaultZone, String.class);
        Observation observation = exchange.getMessage().getMandatoryBody(Observation.class);
        SyncOutcome outcome = database.inTransaction(connection -> deliver(connection, source, zone, observation, clock.instant()));
        exchange.getMessage().setHeader(SyncHeaders.OUTCOME, outcome);
    }

    public SyncOutcome deliver(Connection connection, String source, String zone, Observation observation, Instant now) throws SQLException {
        String id = observation.getIdElement().getIdPart();
        String record = "Observation/" + id;
        Values values = values(record, observation);
        String patient = observation.getSubject().getReferenceElement().getIdPart();
        if (patient == null || !"Patient".equals(observation.getSubject().getReferenceElement().getResourceType())) {
            throw new MalformedResourceException(record, "subject", "no Patient reference: a result must name its patient");
        }
        deadLetters.resolve(connection, source, record, now);
        long patientId = patients.lock(connection, source, patient).orElseThrow(() -> new PatientResultNotInPortalException(record,
                "Patient/" + patient));
        String version = observation.getMeta().getVersionId();
        Instant lastUpdated = observation.getMeta().getLastUpdated() == null ? null : observation.getMeta().getLastUpdated().toInstant();
        Optional<Stored> stored = find(connection, source, id);
        if (stored.isPresent() && SourceVersionOrder.isOlder(version, lastUpdated, stored.get().sourceVersion(), stored.get().sourceLastUpdated())) {
            // a late message: the portal holds a newer version of this result
            return SyncOutcome.STALE;
        }
        long rowId = write(connection, stored.map(Stored::id).orElse(null), patientId, source, id, version, lastUpdated, values, zone, now);
        audit.record(connection, new AuditEvent(now, actor, stored.isEmpty() ? "PortalObservation.create" : "PortalObservation.update",
                "portal_observation/" + rowId + " (" + record + ")", "portal-db", "success"));
        return stored.isEmpty() ? SyncOutcome.CREATED : SyncOutcome.UPDATED;
    }

    private static Values values(String record, Observation observation) {
        if (!observation.hasStatus()) {
            throw new MalformedResourceException(record, "status", "no status");
        }
        Coding code = observation.getCode().getCodingFirstRep();
        if (!code.hasCode() && !observation.getCode().hasText()) {
            throw new MalformedResourceException(record, "code", "no code: what was observed is not named");
        }
        String valueType = "none";
        BigDecimal number = null;
        String text = null;
        String valueCode = null;
        String valueCodeSystem = null;
        String unit = null;
        if (observation.getValue() instanceof Quantity quantity) {
            valueType = "quantity";
            number = quantity.getValue();
            unit = quantity.hasUnit() ? quantity.getUnit() : quantity.getCode();
        } else if (observation.getValue() instanceof StringType string) {
            valueType = "string";
            text = string.getValue();
        } else if (observation.getValue() instanceof CodeableConcept concept) {
            valueType = "coded";
            valueCode = concept.getCodingFirstRep().getCode();
            valueCodeSystem = concept.getCodingFirstRep().getSystem();
            text = concept.hasText() ? concept.getText() : concept.getCodingFirstRep().getDisplay();
        }
        String interpretation = observation.getInterpretation().stream().flatMap(c -> c.getCoding().stream()).map(Coding::getCode)
                .filter(c -> c != null && !c.isEmpty()).collect(Collectors.joining(","));
        Instant effective = observation.hasEffectiveDateTimeType() ? observation.getEffectiveDateTimeType().getValue().toInstant() : null;
        var order = observation.getBasedOnFirstRep();
        return new Values(order.getIdentifier().getValue(), order.getDisplay(), observation.getStatus().toCode(), code.getSystem(),
                code.getCode(), code.hasDisplay() ? code.getDisplay() : observation.getCode().getText(), valueType, number, text, valueCode,
                valueCodeSystem, unit, observation.getReferenceRangeFirstRep().getText(), interpretation.isEmpty() ? null : interpretation,
                effective);
    }

    private static Optional<Stored> find(Connection connection, String source, String id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT id, source_version, source_last_updated FROM portal_observation "
                + "WHERE source = ? AND source_id = ? FOR UPDATE")) {
            select.setString(1, source);
            select.setString(2, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                OffsetDateTime lastUpdated = row.getObject(3, OffsetDateTime.class);
                return Optional.of(new Stored(row.getLong(1), row.getString(2), lastUpdated == null ? null : PortalDatabase.instant(lastUpdated)));
            }
        }
    }

    /** Inserts (rowId null) or updates the row; returns its id. */
    private static long write(Connection connection, Long rowId, long patientId, String source, String id, String version, Instant lastUpdated,
            Values v, String zone, Instant now) throws SQLException {
        String columns = "patient_id = ?, source_version = ?, source_last_updated = ?, order_number = ?, order_name = ?, status = ?, "
                + "code_system = ?, code = ?, code_display = ?, value_type = ?, value_number = ?, value_text = ?, value_code = ?, "
                + "value_code_system = ?, unit = ?, reference_range = ?, interpretation = ?, effective_at = ?, zone = ?, updated_at = ?";
        String sql = rowId == null
                ? "INSERT INTO portal_observation (patient_id, source_version, source_last_updated, order_number, order_name, status, code_system, "
                        + "code, code_display, value_type, value_number, value_text, value_code, value_code_system, unit, reference_range, "
                        + "interpretation, effective_at, zone, updated_at, source, source_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        + "?, ?, ?, ?, ?, ?)"
                : "UPDATE portal_observation SET " + columns + " WHERE id = ?";
        try (PreparedStatement write = connection.prepareStatement(sql, new String[] {"id"})) {
            int i = 1;
            write.setLong(i++, patientId);
            write.setString(i++, version);
            write.setObject(i++, lastUpdated == null ? null : PortalDatabase.utc(lastUpdated));
            write.setString(i++, v.orderNumber());
            write.setString(i++, v.orderName());
            write.setString(i++, v.status());
            write.setString(i++, v.codeSystem());
            write.setString(i++, v.code());
            write.setString(i++, v.codeDisplay());
            write.setString(i++, v.valueType());
            if (v.valueNumber() == null) {
                write.setNull(i++, Types.DECIMAL);
            } else {
                write.setBigDecimal(i++, v.valueNumber());
            }
            write.setString(i++, v.valueText());
            write.setString(i++, v.valueCode());
            write.setString(i++, v.valueCodeSystem());
            write.setString(i++, v.unit());
            write.setString(i++, v.referenceRange());
            write.setString(i++, v.interpretation());
            write.setObject(i++, v.effectiveAt() == null ? null : PortalDatabase.utc(v.effectiveAt()));
            write.setString(i++, zone);
            write.setObject(i++, PortalDatabase.utc(now));
            if (rowId == null) {
                write.setString(i++, source);
                write.setString(i, id);
            } else {
                write.setLong(i, rowId);
            }
            write.executeUpdate();
            if (rowId != null) {
                return rowId;
            }
            try (ResultSet keys = write.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        }
    }
}
