package org.portalsync.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.portalsync.config.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's local users, from {@code portal-sync.console.users-file}: one line each,
 * {@code <name> = <operator|viewer> <hash>} ({@link PasswordHash}), {@code #} comments. Read at start-up
 * (a broken file stops it, naming the line) and again when the file changes, so that adding a user needs no
 * restart; a broken new version is logged and the previous one keeps serving.
 */
public final class ConsoleUsers {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleUsers.class);

    private final Path file;
    private Map<String, ConsoleUser> users = Map.of();
    private FileTime readAt;

    public ConsoleUsers(Path file) {
        this.file = file;
    }

    /** The start-up read. @throws ConfigurationException naming the file, the line and the fix */
    public synchronized ConsoleUsers load() {
        if (!Files.isRegularFile(file)) {
            throw new ConfigurationException(file + ": no console users file; create a user with ConsoleUsersCommand add --user <name> "
                    + "--role operator (README \"Operator console\"), or set portal-sync.console.enabled=false");
        }
        readAt = modified();
        users = parse(file, read(file));
        if (users.isEmpty()) {
            throw new ConfigurationException(file + ": holds no user; add one with ConsoleUsersCommand add --user <name> --role operator");
        }
        return this;
    }

    /** The user of this name, from the file as it is now. */
    public synchronized Optional<ConsoleUser> find(String name) {
        FileTime now = modified();
        if (now != null && !now.equals(readAt)) {
            try {
                users = parse(file, read(file));
                LOG.info("Console users file {} read again: {} users", file, users.size());
            } catch (ConfigurationException e) {
                LOG.warn("Console users file changed but is not valid, the previous version serves: {}", e.getMessage());
            }
            readAt = now;
        }
        return Optional.ofNullable(users.get(name));
    }

    private FileTime modified() {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigurationException(file + ": cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** @throws ConfigurationException naming every bad line; never quoting a hash */
    static Map<String, ConsoleUser> parse(Path file, List<String> lines) {
        Map<String, ConsoleUser> parsed = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            int equals = line.indexOf('=');
            String name = equals < 0 ? line : line.substring(0, equals).strip();
            String[] value = equals < 0 ? new String[0] : line.substring(equals + 1).strip().split("\\s+");
            if (!ConsoleUser.validName(name)) {
                problems.add(where + "the user name must be lower-case letters, digits, '.', '-' or '_'");
            } else if (value.length != 2) {
                problems.add(where + "expected <name> = <operator|viewer> <hash>; write it with ConsoleUsersCommand add");
            } else if (ConsoleRole.of(value[0]).isEmpty()) {
                problems.add(where + "role '" + value[0] + "' is not operator or viewer");
            } else if (!PasswordHash.isHash(value[1])) {
                problems.add(where + "the password is not a pbkdf2-sha256 hash; write it with ConsoleUsersCommand add");
            } else if (parsed.put(name, new ConsoleUser(name, ConsoleRole.of(value[0]).get(), value[1])) != null) {
                problems.add(where + "user '" + name + "' is listed twice");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("Invalid console users file:\n  - " + String.join("\n  - ", problems));
        }
        return parsed;
    }
}
