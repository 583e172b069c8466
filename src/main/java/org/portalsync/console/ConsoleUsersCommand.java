package org.portalsync.console;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.portalsync.bootstrap.CommandSettings;
import org.portalsync.config.ConfigurationException;

/**
 * Adds, removes and lists the operator console's users, in the users file the engine is configured with
 * ({@code portal-sync.console.users-file}, found as the engine finds it), or prints a hash to paste:
 *
 * <pre>
 * java -cp portal-sync.jar org.portalsync.console.ConsoleUsersCommand add --user alice --role operator
 * java -cp portal-sync.jar org.portalsync.console.ConsoleUsersCommand remove --user alice
 * java -cp portal-sync.jar org.portalsync.console.ConsoleUsersCommand list
 * java -cp portal-sync.jar org.portalsync.console.ConsoleUsersCommand hash
 * </pre>
 *
 * The password is read from the terminal without echo (or, without a terminal, from the first line of standard
 * input), never from the command line, where other users and the shell's history would see it. Only its PBKDF2
 * hash is written. A running engine reads the changed file at the user's next sign-in.
 */
public final class ConsoleUsersCommand {

    static final String USAGE = """
            Usage:
              ConsoleUsersCommand add --user <name> --role <operator|viewer>   (asks for the password)
              ConsoleUsersCommand remove --user <name>
              ConsoleUsersCommand list
              ConsoleUsersCommand hash                                          (asks for a password, prints its hash)""";
    private static final int MIN_PASSWORD = 12;

    private ConsoleUsersCommand() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), Map.of(), System.in, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * @param overrides settings that win over the file and the environment (tests)
     * @return 0 done, 1 refused or failed, 2 wrong usage
     */
    public static int run(List<String> args, Map<String, String> overrides, InputStream in, PrintStream out, PrintStream err) {
        String command = args.isEmpty() ? "" : args.get(0);
        String user = option(args, "--user");
        String role = option(args, "--role");
        boolean usage = switch (command) {
            case "add" -> user == null || role == null || args.size() != 5;
            case "remove" -> user == null || args.size() != 3;
            case "list", "hash" -> args.size() != 1;
            default -> true;
        };
        if (usage) {
            err.println(USAGE);
            return 2;
        }
        if (user != null && !ConsoleUser.validName(user)) {
            err.println("A user name is lower-case letters, digits, '.', '-' and '_'.");
            return 2;
        }
        if (role != null && ConsoleRole.of(role).isEmpty()) {
            err.println("A role is operator or viewer.");
            return 2;
        }
        try {
            if (command.equals("hash")) {
                out.println(PasswordHash.hash(password(in, err)));
                return 0;
            }
            Path file = CommandSettings.load(overrides).consoleUsersFile();
            List<String> lines = Files.exists(file) ? new ArrayList<>(ConsoleUsers.read(file)) : new ArrayList<>();
            // a file that does not parse is not made worse: the fix names its line
            ConsoleUsers.parse(file, lines);
            switch (command) {
                case "add" -> {
                    char[] password = password(in, err);
                    boolean replaced = lines.removeIf(line -> named(line, user));
                    lines.add(user + " = " + role + " " + PasswordHash.hash(password));
                    Arrays.fill(password, '\0');
                    write(file, lines);
                    out.println((replaced ? "Replaced" : "Added") + " console user '" + user + "' (" + role + ") in " + file + ".");
                }
                case "remove" -> {
                    if (!lines.removeIf(line -> named(line, user))) {
                        err.println("No console user '" + user + "' in " + file + "; nothing removed.");
                        return 1;
                    }
                    write(file, lines);
                    out.println("Removed console user '" + user + "' from " + file + ": they can no longer sign in, and an open session of theirs ends at its next request.");
                }
                default -> ConsoleUsers.parse(file, lines).values()
                        .forEach(entry -> out.println(entry.name() + "  " + entry.role().configName()));
            }
            return 0;
        } catch (ConfigurationException | IllegalArgumentException e) {
            err.println("portal-sync console users: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("portal-sync console users: cannot write the users file (" + e.getClass().getSimpleName() + ")");
            return 1;
        }
    }

    private static String option(List<String> args, String name) {
        int at = args.indexOf(name);
        return at < 0 || at + 1 >= args.size() ? null : args.get(at + 1);
    }

    private static boolean named(String line, String user) {
        int equals = line.indexOf('=');
        return equals > 0 && !line.strip().startsWith("#") && line.substring(0, equals).strip().equals(user);
    }

    private static char[] password(InputStream in, PrintStream err) throws IOException {
        Console console = System.console();
        char[] password;
        if (console != null && in == System.in) {
            password = console.readPassword("Password (at least %d characters): ", MIN_PASSWORD);
            char[] again = console.readPassword("Again: ");
            if (password == null || !Arrays.equals(password, again)) {
                throw new IllegalArgumentException("The two passwords differ; nothing written.");
            }
        } else {
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password.length < MIN_PASSWORD) {
            throw new IllegalArgumentException("A console password has at least " + MIN_PASSWORD + " characters; nothing written.");
        }
        return password;
    }

    /** Owner-only permissions where the file system has them: the hashes are slow to crack, not impossible. */
    private static void write(Path file, List<String> lines) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        if (lines.stream().noneMatch(line -> line.startsWith("#"))) {
            lines.add(0, "# portal-sync console users: <name> = <operator|viewer> <PBKDF2 hash>; written by ConsoleUsersCommand");
        }
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        Files.write(temporary, lines, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): the folder's permissions protect it
        }
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
