package org.portalsync.appointment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.Appointment;
import org.junit.jupiter.api.Test;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityField;
import org.portalsync.authority.AuthorityFile;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.FieldProvenance;
import org.portalsync.authority.Side;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.SyncStatusStore;
import org.portalsync.portal.TestDatabases;
import org.portalsync.sync.DeletedResource;
import org.portalsync.sync.SyncOutcome;
import org.portalsync.validate.DataQualityLog;

/**
 * One appointment's versions delivered to a real portal database under the shipped config/authority.yaml: the
 * EHR owns the provider, notes go to the later writer, each conflict is kept naming the Appointment, and neither an
 * older version nor an older deletion changes what the portal holds.
 */
class DeliverAppointmentIT {

    private static final Instant V1 = Instant.parse("2026-04-01T10:00:00Z");
    private static final MapFhirAppointment MAPPER = new MapFhirAppointment(null,
            new FacilityZones(ZoneId.of("America/New_York"), Map.of()));

    private static MappedAppointment version(String version, Instant lastUpdated, String notes, String doctor) {
        String json = "{\"resourceType\":\"Appointment\",\"id\":\"a1\",\"meta\":{\"versionId\":\"" + version + "\",\"lastUpdated\":\""
                + lastUpdated + "\"},\"status\":\"booked\",\"start\":\"2026-05-04T09:00:00-04:00\",\"end\":\"2026-05-04T09:30:00-04:00\","
                + "\"comment\":\"" + notes + "\",\"participant\":[{\"actor\":{\"reference\":\"Patient/p1\"},\"status\":\"accepted\"},"
                + "{\"actor\":{\"reference\":\"Practitioner/" + doctor + "\",\"display\":\"Dr. " + doctor + "\"},\"status\":\"accepted\"}]}";
        return MAPPER.map(FhirContext.forR4Cached().newJsonParser().parseResource(Appointment.class, json));
    }

    @Test
    void theRulesDecideEachFieldConflictsNameTheAppointmentAndOlderVersionsChangeNothing() throws Exception {
        try (PortalDatabase database = TestDatabases.fresh("h2")) {
            database.inTransaction(connection -> {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO portal_patient (source, source_id, source_zone, archived,"
                        + " created_at, updated_at, row_version) VALUES ('ehr', 'p1', 'UTC', FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)")) {
                    return insert.executeUpdate();
                }
            });
            PortalAppointmentStore store = new PortalAppointmentStore();
            DeliverAppointment delivery = new DeliverAppointment(database, new PortalPatientStore(ZoneId.of("UTC")), store,
                    new AuthorityRules(AuthorityFile.load(Path.of("config/authority.yaml"))), new FieldConflictStore(), new DataQualityLog(),
                    new DeadLetterStore(database, new SyncStatusStore(), Duration.ofMinutes(5), new org.portalsync.alert.AlertLog(Duration.ofMinutes(15))), new AuditTrail(database), "test",
                    Clock.systemUTC());
            Instant now = Instant.now();
            assertThat(deliver(database, delivery, version("1", V1, "Bring your card", "d1"), now)).isEqualTo(SyncOutcome.CREATED);

            // the portal (a patient's or staff's edit) set the notes and the provider an hour after that version
            Instant portalEdit = V1.plus(Duration.ofHours(1));
            database.inTransaction(connection -> {
                var current = store.findForUpdate(connection, "ehr", "a1").orElseThrow();
                AppointmentProvenance edited = current.provenance()
                        .with(AuthorityField.APPOINTMENT_NOTES, new FieldProvenance(Side.PORTAL, portalEdit, null,
                                current.provenance().of(AuthorityField.APPOINTMENT_NOTES).ehrValueHash()))
                        .with(AuthorityField.APPOINTMENT_PROVIDER, new FieldProvenance(Side.PORTAL, portalEdit, null,
                                current.provenance().of(AuthorityField.APPOINTMENT_PROVIDER).ehrValueHash()));
                try (PreparedStatement update = connection.prepareStatement("UPDATE portal_appointment SET notes = 'Portal note',"
                        + " provider_reference = 'Practitioner/p9', provider_name = 'Dr. p9', field_provenance = ? WHERE id = ?")) {
                    update.setString(1, edited.toJson());
                    update.setLong(2, current.id());
                    return update.executeUpdate();
                }
            });

            // the EHR's next version, made before the portal's edit, changes both fields
            MappedAppointment v2 = version("2", V1.plus(Duration.ofMinutes(10)), "Fasting required", "d2");
            assertThat(deliver(database, delivery, v2, now)).isEqualTo(SyncOutcome.UPDATED);

            List<String> stored = rows(database, "SELECT notes, provider_name, source_version FROM portal_appointment");
            assertThat(stored).containsExactly("Portal note|Dr. d2|2");
            assertThat(rows(database, "SELECT field, kept_side, discarded_side, reason FROM portal_field_conflict ORDER BY field"))
                    .containsExactly("appointment.notes|portal|ehr|appointment.notes: last-write-wins (portal won) (Appointment/a1)",
                            "appointment.provider|ehr|portal|ehr owns appointment.provider (Appointment/a1)");

            // a late copy of version 1, and a deletion older than version 2, change nothing
            assertThat(deliver(database, delivery, version("1", V1, "Bring your card", "d1"), now)).isEqualTo(SyncOutcome.STALE);
            assertThat(delete(database, delivery, new DeletedResource("Appointment", "a1", "1", V1.plusSeconds(1)), now))
                    .isEqualTo(SyncOutcome.STALE);
            assertThat(rows(database, "SELECT notes, provider_name, source_version FROM portal_appointment")).containsExactly("Portal note|Dr. d2|2");

            assertThat(delete(database, delivery, new DeletedResource("Appointment", "a1", "3", V1.plus(Duration.ofDays(1))), now))
                    .isEqualTo(SyncOutcome.ARCHIVED);
            assertThat(rows(database, "SELECT source_version, deleted_at IS NOT NULL FROM portal_appointment")).containsExactly("3|true");
        }
    }

    private static SyncOutcome deliver(PortalDatabase database, DeliverAppointment delivery, MappedAppointment appointment, Instant now) {
        return database.inTransaction(connection -> delivery.deliver(connection, "ehr", appointment, now));
    }

    private static SyncOutcome delete(PortalDatabase database, DeliverAppointment delivery, DeletedResource deleted, Instant now) {
        return database.inTransaction(connection -> delivery.delete(connection, "ehr", deleted, now));
    }

    private static List<String> rows(PortalDatabase database, String sql) {
        return database.inTransaction(connection -> {
            List<String> rows = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(sql); ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    List<String> values = new ArrayList<>();
                    for (int c = 1; c <= row.getMetaData().getColumnCount(); c++) {
                        values.add(String.valueOf(row.getObject(c)));
                    }
                    rows.add(String.join("|", values));
                }
            }
            return rows;
        });
    }
}
