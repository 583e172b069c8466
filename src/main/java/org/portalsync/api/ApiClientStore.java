package org.portalsync.api;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.portalsync.portal.PortalDatabase;

/** The {@code api_client} table: issue, look up and revoke API clients. Keys themselves are never stored. */
public final class ApiClientStore {

    private static final String COLUMNS = "client_id, key_hash, scopes, created_at, revoked_at";

    private final PortalDatabase database;

    public ApiClientStore(PortalDatabase database) {
        this.database = database;
    }

    public Optional<ApiClient> find(String clientId) {
        return database.inTransaction(connection -> find(connection, clientId, false));
    }

    /** Every client, revoked ones too, by client id. */
    public List<ApiClient> all() {
        return database.inTransaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM api_client ORDER BY client_id");
                    ResultSet rows = select.executeQuery()) {
                List<ApiClient> clients = new ArrayList<>();
                while (rows.next()) {
                    clients.add(client(rows));
                }
                return clients;
            }
        });
    }

    /**
     * Issues a key to a new client, or a new key to a revoked one (its old key stays invalid).
     *
     * @return the key, to be shown once; only its hash is stored
     * @throws IllegalStateException when the client holds a valid key: revoke it first
     */
    public String issue(String clientId, Set<ApiScope> scopes, Instant now) {
        ApiKey.requireClientId(clientId);
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("a client needs at least one scope: " + ApiScope.names());
        }
        String key = ApiKey.generate(clientId);
        database.inTransaction(connection -> {
            Optional<ApiClient> existing = find(connection, clientId, true);
            if (existing.isPresent() && !existing.get().revoked()) {
                throw new IllegalStateException("client '" + clientId + "' already has a valid key; revoke it first");
            }
            String sql = existing.isPresent()
                    ? "UPDATE api_client SET key_hash = ?, scopes = ?, created_at = ?, revoked_at = NULL WHERE client_id = ?"
                    : "INSERT INTO api_client (key_hash, scopes, created_at, client_id) VALUES (?, ?, ?, ?)";
            try (PreparedStatement write = connection.prepareStatement(sql)) {
                write.setString(1, ApiKey.hash(key));
                write.setString(2, scopes.stream().sorted().map(ApiScope::scopeName).collect(Collectors.joining(" ")));
                write.setObject(3, PortalDatabase.utc(now));
                write.setString(4, clientId);
                write.executeUpdate();
            }
            return null;
        });
        return key;
    }

    /** @return false when there is no such client or it was revoked before */
    public boolean revoke(String clientId, Instant now) {
        return database.inTransaction(connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE api_client SET revoked_at = ? WHERE client_id = ? AND revoked_at IS NULL")) {
                update.setObject(1, PortalDatabase.utc(now));
                update.setString(2, clientId);
                return update.executeUpdate() == 1;
            }
        });
    }

    private static Optional<ApiClient> find(Connection connection, String clientId, boolean forUpdate) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT " + COLUMNS + " FROM api_client WHERE client_id = ?" + (forUpdate ? " FOR UPDATE" : ""))) {
            select.setString(1, clientId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(client(rows)) : Optional.empty();
            }
        }
    }

    private static ApiClient client(ResultSet row) throws SQLException {
        Set<ApiScope> scopes = EnumSet.noneOf(ApiScope.class);
        // a scope this version does not know (written by a newer one) grants nothing here
        Arrays.stream(row.getString("scopes").trim().split("\\s+")).map(ApiScope::byName).flatMap(Optional::stream).forEach(scopes::add);
        return new ApiClient(row.getString("client_id"), row.getString("key_hash").trim(), scopes,
                PortalDatabase.instant(row.getObject("created_at", OffsetDateTime.class)),
                PortalDatabase.instant(row.getObject("revoked_at", OffsetDateTime.class)));
    }
}
