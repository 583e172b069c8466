package org.portalsync.api;

import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.portalsync.alert.SafeFailureText;
import org.portalsync.audit.AuditEvent;
import org.portalsync.audit.AuditTrail;
import org.portalsync.bootstrap.CommandSettings;
import org.portalsync.bootstrap.PortalSyncHome;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;

/**
 * Issues and revokes the keys of the engine's API, in the portal database the engine is configured
 * with (found the way the engine finds it: {@link PortalSyncHome}, its
 * {@code config/application.properties}, {@code PORTAL_SYNC_*} variables, {@code -D} properties).
 *
 * <pre>
 * java -cp portal-sync.jar org.portalsync.api.ApiKeysCommand create --client portal --scope patient-changes:write --scope patient-changes:read
 * java -cp portal-sync.jar org.portalsync.api.ApiKeysCommand revoke --client portal
 * java -cp portal-sync.jar org.portalsync.api.ApiKeysCommand list
 * </pre>
 *
 * A new key is printed once, to standard output, and never stored: only its SHA-256 is. Issuing and
 * revoking leave an audit row naming the operating-system user.
 */
public final class ApiKeysCommand {

    static final String USAGE = """
            Usage:
              ApiKeysCommand create --client <id> --scope <scope> [--scope <scope> ...]
              ApiKeysCommand revoke --client <id>
              ApiKeysCommand list
            Scopes: %s""".formatted(ApiScope.names());

    private ApiKeysCommand() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), Map.of(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * @param overrides settings that win over the file and the environment (tests)
     * @return the exit status: 0 done, 1 refused or failed, 2 wrong usage
     */
    public static int run(List<String> args, Map<String, String> overrides, PrintStream out, PrintStream err) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try (PortalDatabase database = open(overrides)) {
            ApiClientStore clients = new ApiClientStore(database);
            AuditTrail audit = new AuditTrail(database);
            Clock clock = Clock.systemUTC();
            switch (arguments.command()) {
                case "create" -> {
                    String key = clients.issue(arguments.client(), arguments.scopes(), clock.instant());
                    audit(audit, clock, "ApiClient.create", arguments.client());
                    out.println("API key of client '" + arguments.client() + "' (scopes: "
                            + arguments.scopes().stream().map(ApiScope::scopeName).sorted().collect(Collectors.joining(" ")) + "):");
                    out.println();
                    out.println(key);
                    out.println();
                    out.println("It is shown only this once: the engine keeps only its SHA-256. Hand it to the client's operator "
                            + "over a safe channel; the client sends it in the " + ApiHeaders.API_KEY + " header.");
                }
                case "revoke" -> {
                    if (!clients.revoke(arguments.client(), clock.instant())) {
                        err.println("No client '" + arguments.client() + "' with a valid key; nothing revoked.");
                        return 1;
                    }
                    audit(audit, clock, "ApiClient.revoke", arguments.client());
                    out.println("Revoked the key of client '" + arguments.client() + "': its requests are refused from now on.");
                }
                default -> {
                    for (ApiClient client : clients.all()) {
                        out.println(client.clientId() + "  scopes: " + client.scopes().stream().map(ApiScope::scopeName)
                                .collect(Collectors.joining(" ")) + "  created: " + client.createdAt()
                                + (client.revoked() ? "  revoked: " + client.revokedAt() : ""));
                    }
                }
            }
            return 0;
        } catch (ConfigurationException | IllegalArgumentException | IllegalStateException e) {
            err.println("portal-sync API keys: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            // the database refused or could not be reached: its own words may quote values
            err.println("portal-sync API keys: " + SafeFailureText.of(e));
            return 1;
        }
    }

    private static void audit(AuditTrail audit, Clock clock, String action, String clientId) {
        audit.record(new AuditEvent(clock.instant(), "os:" + System.getProperty("user.name", "unknown"), action, "api_client/" + clientId,
                null, "success"));
    }

    /** The portal database of the engine's home, settings resolved as the engine resolves them. */
    static PortalDatabase open(Map<String, String> overrides) {
        PortalSyncSettings settings = CommandSettings.load(overrides);
        return PortalDatabase.open(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), 2, settings.dbConnectionTimeout());
    }

    record Arguments(String command, String client, Set<ApiScope> scopes) {

        static Arguments parse(List<String> args) {
            if (args.isEmpty() || !List.of("create", "revoke", "list").contains(args.get(0))) {
                throw new IllegalArgumentException(args.isEmpty() ? "No command given." : "Unknown command '" + args.get(0) + "'.");
            }
            String command = args.get(0);
            String client = null;
            Set<ApiScope> scopes = EnumSet.noneOf(ApiScope.class);
            List<String> rest = new ArrayList<>(args.subList(1, args.size()));
            while (!rest.isEmpty()) {
                String option = rest.remove(0);
                if (rest.isEmpty() || !(option.equals("--client") || option.equals("--scope"))) {
                    throw new IllegalArgumentException("Unknown or incomplete option '" + option + "'.");
                }
                String value = rest.remove(0);
                if (option.equals("--client")) {
                    ApiKey.requireClientId(value);
                    client = value;
                } else {
                    scopes.add(ApiScope.of(value));
                }
            }
            if (!command.equals("list") && client == null) {
                throw new IllegalArgumentException(command + " needs --client <id>.");
            }
            if (command.equals("create") && scopes.isEmpty()) {
                throw new IllegalArgumentException("create needs at least one --scope.");
            }
            if (!command.equals("create") && !scopes.isEmpty()) {
                throw new IllegalArgumentException(command + " takes no --scope.");
            }
            return new Arguments(command, client, scopes);
        }
    }
}
