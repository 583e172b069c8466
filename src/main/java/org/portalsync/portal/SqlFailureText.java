package org.portalsync.portal;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Describes a database error without the values it was about. Drivers quote the offending value
 * (H2: {@code Value too long for column "LEGAL_FAMILY ...": "'Smith...' (300)"}; PostgreSQL adds
 * {@code Detail: Key (source, source_id)=(ehr, 123) already exists} or the whole failing row), and
 * those texts would carry a patient's data into logs, alerts and the dead-letter table. So the
 * driver's message is never used as a whole: the text is built from the SQLSTATE, a fixed
 * description of it, and the schema names (table, column, type, constraint) read from the
 * places where the drivers put names, never values.
 */
public final class SqlFailureText {

    /** SQLSTATEs (SQL:2016 and PostgreSQL appendix A) that an operator meets; classes below. */
    private static final Map<String, String> STATES = Map.ofEntries(
            Map.entry("22001", "value too long for its column"),
            Map.entry("22003", "number out of range for its column"),
            Map.entry("22007", "invalid date or time"),
            Map.entry("22008", "date or time out of range"),
            Map.entry("22018", "value not valid for its type"),
            Map.entry("22P02", "value not valid for its type"),
            Map.entry("23502", "NOT NULL constraint violated"),
            Map.entry("23503", "foreign key constraint violated"),
            Map.entry("23506", "foreign key constraint violated"),
            Map.entry("23505", "unique constraint violated"),
            Map.entry("23513", "check constraint violated"),
            Map.entry("23514", "check constraint violated"),
            Map.entry("40001", "serialization failure or deadlock, transaction rolled back"),
            Map.entry("40P01", "deadlock, transaction rolled back"),
            Map.entry("HYT00", "timeout"));
    private static final Map<String, String> CLASSES = Map.of(
            "08", "connection failure",
            "22", "data exception",
            "23", "integrity constraint violated",
            "28", "database login refused",
            "40", "transaction rolled back",
            "42", "SQL syntax error or access rule violation",
            "53", "database out of resources",
            "57", "database shutting down or operator intervention");

    private static final String NAME = "[A-Za-z_][A-Za-z0-9_$.]*";
    // H2 2.x message templates (org.h2.res._messages_en): where they hold names, not values
    private static final Pattern H2_COLUMN = Pattern.compile("column \"(" + NAME + ")((?: [A-Z]+)+(?:\\(\\d+(?:, ?\\d+)?\\))?)?\"");
    private static final Pattern H2_INDEX = Pattern.compile("violation: \"(" + NAME + ") ON (" + NAME + ")\\(([A-Z0-9_, ]+)\\)");
    private static final Pattern H2_FOREIGN_KEY = Pattern.compile("violation: \"(" + NAME + "): (" + NAME + ") FOREIGN KEY\\(([A-Z0-9_, ]+)\\)");
    private static final Pattern H2_CONSTRAINT = Pattern.compile("violation: \"(" + NAME + "):");
    private static final Pattern H2_LOCKED_TABLE = Pattern.compile("^Timeout trying to lock table \"?(" + NAME + ")");
    private static final Pattern PG_TYPE = Pattern.compile("^value too long for type ([a-z ]+\\(\\d+\\))$");

    private SqlFailureText() {
    }

    /** e.g. {@code SQLSTATE 22001 value too long for its column: column LEGAL_FAMILY CHARACTER VARYING(200) (JdbcSQLDataException)}. */
    public static String of(SQLException failure) {
        String state = sqlState(failure);
        StringBuilder text = new StringBuilder();
        text.append(state == null ? "no SQLSTATE" : "SQLSTATE " + state).append(' ').append(description(state, failure));
        List<String> names = names(failure);
        if (!names.isEmpty()) {
            text.append(": ").append(String.join(", ", names));
        }
        return text.append(" (").append(failure.getClass().getSimpleName()).append(')').toString();
    }

    /** The first SQLSTATE in the chain: a pool's timeout carries the driver's failure as its cause. */
    public static String sqlState(SQLException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null && !sql.getSQLState().isBlank()) {
                return sql.getSQLState().toUpperCase(Locale.ROOT);
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

    /**
     * Class 22 (data exception) and 23 (integrity constraint violation): the database refused
     * this data, and would refuse it again.
     */
    public static boolean refusesTheData(String sqlState) {
        return sqlState != null && (sqlState.startsWith("22") || sqlState.startsWith("23"));
    }

    private static String description(String state, SQLException failure) {
        if (state != null) {
            String known = STATES.get(state);
            if (known == null && state.length() >= 2) {
                known = CLASSES.get(state.substring(0, 2));
            }
            if (known != null) {
                return known;
            }
        }
        if (failure instanceof java.sql.SQLTransientConnectionException || failure instanceof java.sql.SQLNonTransientConnectionException) {
            return "connection failure";
        }
        if (failure instanceof java.sql.SQLTimeoutException) {
            return "timeout";
        }
        return "database error";
    }

    private static List<String> names(SQLException failure) {
        List<String> names = new ArrayList<>();
        SQLException statementFailure = failure.getNextException();
        if (failure instanceof java.sql.BatchUpdateException && statementFailure != null && statementFailure != failure) {
            // a JDBC batch's failure holds the failing statement's own, which names the table or column
            names.addAll(names(statementFailure));
            if (!names.isEmpty()) {
                return names;
            }
        }
        if (failure instanceof PSQLException postgres && postgres.getServerErrorMessage() != null) {
            ServerErrorMessage server = postgres.getServerErrorMessage();
            add(names, "table", server.getTable());
            add(names, "column", server.getColumn());
            add(names, "type", server.getDatatype());
            add(names, "constraint", server.getConstraint());
            Matcher type = PG_TYPE.matcher(String.valueOf(server.getMessage()));
            if (type.matches()) {
                add(names, "type", type.group(1));
            }
        } else if (failure instanceof org.h2.jdbc.JdbcException h2) {
            String message = String.valueOf(h2.getOriginalMessage());
            Matcher index = H2_INDEX.matcher(message);
            Matcher foreignKey = H2_FOREIGN_KEY.matcher(message);
            Matcher constraint = H2_CONSTRAINT.matcher(message);
            Matcher column = H2_COLUMN.matcher(message);
            Matcher locked = H2_LOCKED_TABLE.matcher(message);
            if (index.find()) {
                add(names, "table", index.group(2));
                add(names, "columns", index.group(3).replace(" NULLS FIRST", "").replace(" NULLS LAST", ""));
                add(names, "index", index.group(1));
            } else if (foreignKey.find()) {
                add(names, "table", foreignKey.group(2));
                add(names, "columns", foreignKey.group(3));
                add(names, "constraint", foreignKey.group(1));
            } else if (constraint.find()) {
                add(names, "constraint", constraint.group(1));
            } else if (column.find()) {
                add(names, "column", column.group(1) + (column.group(2) == null ? "" : column.group(2)));
            } else if (locked.find()) {
                add(names, "table", locked.group(1));
            }
        }
        return names;
    }

    private static void add(List<String> names, String what, String name) {
        if (name != null && !name.isBlank()) {
            names.add(what + " " + name);
        }
    }
}
