package org.portalsync.portal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes of one transaction that need no answer, held as JDBC batches until {@link #flush()}: one
 * round trip per kind of statement instead of one per row, which is most of a sync's cost on a database
 * over the network. Deletes run before every other write, so a child row replaced in place (deleted, then
 * inserted at the same position) never meets its old self. Reads that must see these writes come after a flush.
 */
public final class StatementBatches implements AutoCloseable {

    /** Sets one row's parameters. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** What to write when a row's update matched nothing (an upsert's insert). */
    @FunctionalInterface
    public interface Otherwise {
        void write(StatementBatches batches) throws SQLException;
    }

    private static final class Batch {
        final PreparedStatement statement;
        /** per row added since the last run: what to do if it matched nothing (null: nothing) */
        final List<Otherwise> ifNoRow = new ArrayList<>();

        Batch(PreparedStatement statement) {
            this.statement = statement;
        }
    }

    private final Connection connection;
    private final Map<String, Batch> deletes = new LinkedHashMap<>();
    private final Map<String, Batch> writes = new LinkedHashMap<>();

    public StatementBatches(Connection connection) {
        this.connection = connection;
    }

    /** The transaction's connection, for what must run at once (a read, an insert whose key is needed). */
    public Connection connection() {
        return connection;
    }

    public void delete(String sql, Binder row) throws SQLException {
        add(deletes, sql, row, null);
    }

    public void write(String sql, Binder row) throws SQLException {
        add(writes, sql, row, null);
    }

    /** An update that, when it matches no row, is followed by {@code otherwise} in the same flush. */
    public void update(String sql, Binder row, Otherwise otherwise) throws SQLException {
        add(writes, sql, row, otherwise);
    }

    private void add(Map<String, Batch> batches, String sql, Binder row, Otherwise otherwise) throws SQLException {
        Batch batch = batches.get(sql);
        if (batch == null) {
            batch = new Batch(connection.prepareStatement(sql));
            batches.put(sql, batch);
        }
        row.bind(batch.statement);
        batch.statement.addBatch();
        batch.ifNoRow.add(otherwise);
    }

    /** Runs every held write, deletes first; an update that matched nothing brings its follow-up, run in the same flush. */
    public void flush() throws SQLException {
        while (run(deletes) | run(writes)) {
            // follow-ups were added: run them too
        }
    }

    /** @return true when anything ran */
    private boolean run(Map<String, Batch> batches) throws SQLException {
        boolean ran = false;
        for (Batch batch : List.copyOf(batches.values())) {
            if (batch.ifNoRow.isEmpty()) {
                continue;
            }
            List<Otherwise> followUps = new ArrayList<>(batch.ifNoRow);
            batch.ifNoRow.clear();
            int[] counts = batch.statement.executeBatch();
            ran = true;
            for (int i = 0; i < followUps.size(); i++) {
                // a driver that cannot count (SUCCESS_NO_INFO) is only ever given inserts here
                if (followUps.get(i) != null && counts[i] == 0) {
                    followUps.get(i).write(this);
                }
            }
        }
        return ran;
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (Map<String, Batch> batches : List.of(deletes, writes)) {
            for (Batch batch : batches.values()) {
                try {
                    batch.statement.close();
                } catch (SQLException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
        }
        deletes.clear();
        writes.clear();
        if (first != null) {
            throw first;
        }
    }
}
