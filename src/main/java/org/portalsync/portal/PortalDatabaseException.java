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

    /**
     * The database is down or the connection to it broke: a pool that found no connection in time, SQLSTATE class 08
     * ("connection exception"), or 57P (PostgreSQL shutting down), anywhere in the cause chain. Nothing can be stored
     * now; the same work may succeed later.
     */
    public static boolean unreachable(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLTransientConnectionException || cause instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
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
