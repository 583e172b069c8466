package org.portalsync.auth;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import org.portalsync.bootstrap.CommandSettings;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;

/**
 * Prints the public JWKS of the engine's configured private key file: what the operator hands to the EHR when
 * registering the engine as a backend service (SMART Backend Services). Only public halves are printed.
 *
 * <pre>
 * java -cp portal-sync.jar org.portalsync.auth.PrintJwksCommand [engine-jwks.json]   (or: ./mvnw -q -Pjwks -Dexec.args=engine-jwks.json)
 * </pre>
 *
 * With a file name the JWKS goes to that file (the engine's log lines go to standard output too), else to standard output.
 */
public final class PrintJwksCommand {

    private PrintJwksCommand() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), Map.of(), System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** @return 0 printed, 1 no usable key file or the output file cannot be written */
    public static int run(List<String> args, Map<String, String> overrides, PrintStream out, PrintStream err) {
        try {
            PortalSyncSettings settings = CommandSettings.load(overrides);
            if (settings.raw(PortalSyncSettings.AUTH_PRIVATE_KEY_FILE).isBlank()) {
                err.println("portal-sync JWKS: set " + PortalSyncSettings.AUTH_PRIVATE_KEY_FILE + " to the engine's private key file first");
                return 1;
            }
            SigningKeys keys = new SigningKeys(settings.privateKeyFile(), settings.keyId(), settings.privateKeyPassword());
            SigningKeys.SigningKey signing = keys.current();
            String jwks = keys.publicKeys().toString(true);
            if (args.isEmpty()) {
                out.println(jwks);
            } else {
                java.nio.file.Files.writeString(java.nio.file.Path.of(args.get(0)), jwks + System.lineSeparator());
                out.println("Wrote the public JWKS to " + args.get(0));
            }
            err.println("Public keys of " + settings.privateKeyFile() + "; the engine signs with kid '" + signing.keyId() + "' ("
                    + signing.algorithm() + "). Register this JWKS at the EHR" + (settings.clientId().isBlank() ? ""
                            : " for client '" + settings.clientId() + "'") + ".");
            return 0;
        } catch (java.io.IOException e) {
            err.println("portal-sync JWKS: cannot write " + args.get(0) + " (" + e.getClass().getSimpleName() + ")");
            return 1;
        } catch (ConfigurationException e) {
            err.println("portal-sync JWKS: " + e.getMessage());
            return 1;
        }
    }
}
