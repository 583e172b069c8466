package org.portalsync.portal;

import java.sql.SQLException;

/** Recognises a unique-key violation (SQLSTATE 23505, the same on H2 and PostgreSQL) in a cause chain. */
public final class DuplicateKey {

    private DuplicateKey() {
    }

    public static boolean isCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
