package org.portalsync.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.SyncStatusStore;
import org.portalsync.portal.TestDatabases;

/**
 * An outage ends with a success of its own source: the FHIR EHR's answering call, a legacy source's record
 * synced, a second EHR's record synced; never another source's success. On real H2 and PostgreSQL.
 */
class AlertRecoveryIT {

    private static final Instant FAILED = Instant.parse("2026-03-02T08:00:00Z");

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void eachSourcesOutageEndsWithASuccessOfThatSourceOnly(String kind) throws Exception {
        try (PortalDatabase database = TestDatabases.fresh(kind)) {
            AlertLog log = new AlertLog(Duration.ofMinutes(15));
            AuditTrail audit = new AuditTrail(database);
            long ehr = raise(database, log, AlertKind.EHR_DOWN, "ehr");
            long legacy = raise(database, log, AlertKind.EHR_SERVER_ERROR, "lab-hl7");
            long second = raise(database, log, AlertKind.EHR_DOWN, "clinic-b");
            AlertDeliveries deliveries = new AlertDeliveries(database, AlertRouting.defaults(List.of(AlertNotice.WEBHOOK)),
                    Map.of("ehr", "ehr.practice.test"));

            // the first EHR answers: only its own outage ends
            audit.record(new AuditEvent(FAILED.plusSeconds(60), "portal-sync", "Patient.search", "/fhir/Patient", "ehr.practice.test", "success"));
            assertThat(deliveries.recoverOutages(FAILED.plusSeconds(61))).isEqualTo(1);
            assertThat(recoveredAt(database, ehr)).isEqualTo(FAILED.plusSeconds(60));
            assertThat(recoveredAt(database, legacy)).as("another source's success ends nothing").isNull();
            assertThat(recoveredAt(database, second)).isNull();

            // a record of the legacy source reaches the portal; then one of the second EHR
            SyncStatusStore statuses = new SyncStatusStore();
            database.inTransaction(connection -> {
                statuses.succeeded(connection, "lab-hl7", "v2-10658", FAILED.plusSeconds(120));
                return null;
            });
            assertThat(deliveries.recoverOutages(FAILED.plusSeconds(121))).isEqualTo(1);
            assertThat(recoveredAt(database, legacy)).isEqualTo(FAILED.plusSeconds(120));
            assertThat(recoveredAt(database, second)).isNull();

            database.inTransaction(connection -> {
                statuses.succeeded(connection, "clinic-b", "pat-10658", FAILED.plusSeconds(180));
                return null;
            });
            assertThat(deliveries.recoverOutages(FAILED.plusSeconds(181))).isEqualTo(1);
            assertThat(recoveredAt(database, second)).isEqualTo(FAILED.plusSeconds(180));
        }
    }

    private static long raise(PortalDatabase database, AlertLog log, AlertKind kind, String source) {
        return database.inTransaction(connection -> log.raise(connection, FAILED, kind, source, kind + " at " + source, null));
    }

    private static Instant recoveredAt(PortalDatabase database, long alertId) {
        return database.inTransaction(connection -> {
            try (var select = connection.prepareStatement("SELECT recovered_at FROM alert WHERE id = ?")) {
                select.setLong(1, alertId);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    return PortalDatabase.instant(row.getObject(1, java.time.OffsetDateTime.class));
                }
            }
        });
    }
}
