package org.portalsync.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.List;
import java.time.format.DateTimeFormatter;

import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.StatementBatches;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an audit row for every request and portal write, and logs it as one line in the form
 * the practice's auditors read: {@code 2026-05-11 14:32:18 - User: portal_sync_service -
 * Action: Patient.read - Resource: Patient/12345 - IP: 10.0.1.15 - Result: success}.
 */
public final class AuditTrail {

    private static final Logger AUDIT_LOG = LoggerFactory.getLogger("portal-sync.audit");
    private static final DateTimeFormatter LINE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final String INSERT = "INSERT INTO audit_event (occurred_at, actor, action, resource, peer, result) VALUES (?, ?, ?, ?, ?, ?)";

    private final PortalDatabase database;

    public AuditTrail(PortalDatabase database) {
        this.database = database;
    }

    /** Records an event in a transaction of its own (for requests to other systems). */
    public void record(AuditEvent event) {
        database.inTransaction(connection -> {
            record(connection, event);
            return null;
        });
    }

    /** Records an event inside the caller's transaction, so that the write and its audit row commit together. */
    public void record(Connection connection, AuditEvent event) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            set(insert, event);
            insert.executeUpdate();
        }
        if (AUDIT_LOG.isInfoEnabled()) {
            AUDIT_LOG.info(line(event));
        }
    }

    /** As {@link #record(Connection, AuditEvent)}, held in {@code writes} with the write it describes. */
    public void record(StatementBatches writes, AuditEvent event) throws SQLException {
        writes.write(INSERT, insert -> set(insert, event));
        if (AUDIT_LOG.isInfoEnabled()) {
            AUDIT_LOG.info(line(event));
        }
    }

    /** Records events inside the caller's transaction as one JDBC batch (a group of messages committed together). */
    public void recordAll(Connection connection, List<AuditEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            for (AuditEvent event : events) {
                set(insert, event);
                insert.addBatch();
            }
            insert.executeBatch();
        }
        if (AUDIT_LOG.isInfoEnabled()) {
            for (AuditEvent event : events) {
                AUDIT_LOG.info(line(event));
            }
        }
    }

    private static void set(PreparedStatement insert, AuditEvent event) throws SQLException {
        insert.setObject(1, PortalDatabase.utc(event.occurredAt()));
        insert.setString(2, event.actor());
        insert.setString(3, event.action());
        insert.setString(4, truncate(event.resource(), 2000));
        insert.setString(5, event.peer());
        insert.setString(6, truncate(event.result(), 200));
    }

    static String line(AuditEvent event) {
        return LINE_TIME.format(event.occurredAt()) + " - User: " + event.actor() + " - Action: " + event.action()
                + " - Resource: " + event.resource() + " - IP: " + (event.peer() == null ? "-" : event.peer())
                + " - Result: " + event.result();
    }

    private static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }
}
