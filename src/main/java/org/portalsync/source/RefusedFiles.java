package org.portalsync.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.portal.PortalDatabase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a drop folder does with a file it refuses, before its route moves the file to {@code error/}: the reason file
 * beside it ({@code <name>.reason.txt}: what was refused and what to do), a log line, an audit row and an alert.
 *
 * @param what  the kind of file as the texts name it, e.g. {@code HL7 v2 file}
 * @param action the audit row's action, e.g. {@code HL7v2 file}
 */
public record RefusedFiles(String what, String action, AlertKind kind, PortalDatabase database, AuditTrail audit, Clock clock) {

    public static final String ERROR = "error";
    public static final String REASON_SUFFIX = ".reason.txt";

    private static final Logger LOG = LoggerFactory.getLogger(RefusedFiles.class);

    /** @param advice what the sender does now, after the reason line of the reason file */
    public void refuse(Path folder, String name, String reason, String advice) throws IOException {
        Path errors = Files.createDirectories(folder.resolve(ERROR));
        Files.writeString(errors.resolve(name + REASON_SUFFIX), what + " " + name + " refused: " + reason + "\n" + advice,
                StandardCharsets.UTF_8);
        LOG.warn("{} {} refused, moved to error/: {}", what, name, reason);
        Instant now = clock.instant();
        try {
            database.inTransaction(connection -> {
                audit.record(connection, new AuditEvent(now, "file", action, "file " + name, null, "failure: " + reason));
                return AlertLog.insert(connection, now, kind, null, what + " " + name + " refused and moved to error/ (reason in " + name
                        + REASON_SUFFIX + "): " + reason, null);
            });
        } catch (RuntimeException e) {
            LOG.warn("No audit or alert row for the refused {} {} ({})", what, name, e.getClass().getSimpleName());
        }
    }
}
