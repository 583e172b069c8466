package org.portalsync.portal;

import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;

/** The portal database failed (unreachable, constraint, timeout): retried, then dead-lettered. */
public class PortalDatabaseException extends RuntimeException {

    public PortalDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The failure as the rest of the engine may show it: the message names the SQLSTATE, table and
     * column, never a value ({@link SqlFailureText}), and the driver's exception is replaced by a
     * copy of the same JDBC kind and SQLSTATE that holds that text too, so that no log line that
     * prints the cause chain can reach the driver's own message.
     */
    public static PortalDatabaseException of(SQLException failure) {
        String text = SqlFailureText.of(failure);
        String state = SqlFailureText.sqlState(failure);
        SQLException cause = sameKind(failure, text, state);
        cause.setStackTrace(failure.getStackTrace());
        String message = "portal database: " + text;
        return SqlFailureText.refusesTheData(state) ? new PortalDataRejectedException(message, cause)
                : new PortalDatabaseException(message, cause);
    }

    private static SQLException sameKind(SQLException failure, String text, String state) {
        int code = failure.getErrorCode();
        if (failure instanceof SQLTransientConnectionException) {
            return new SQLTransientConnectionException(text, state, code);
        }
        if (failure instanceof SQLNonTransientConnectionException) {
            return new SQLNonTransientConnectionException(text, state, code);
        }
        if (failure instanceof SQLTimeoutException) {
            return new SQLTimeoutException(text, state, code);
        }
        if (failure instanceof SQLTransactionRollbackException) {
            return new SQLTransactionRollbackException(text, state, code);
        }
        if (failure instanceof SQLDataException) {
            return new SQLDataException(text, state, code);
        }
        if (failure instanceof SQLIntegrityConstraintViolationException) {
            return new SQLIntegrityConstraintViolationException(text, state, code);
        }
        return new SQLException(text, state, code);
    }
}
