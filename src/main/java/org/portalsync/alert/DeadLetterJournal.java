package org.portalsync.alert;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a dead letter goes when the portal database that should hold it cannot be reached: one JSON
 * line per failure, appended and forced to disk before the failure counts as stored. An import moves
 * the file aside, writes its entries to the dead-letter table (each keyed by its entry id, so an
 * import cut short and repeated never doubles one) and deletes it only after they are committed.
 * The file holds payloads (PHI): it is readable by the engine's user only and stays on its host.
 */
public final class DeadLetterJournal {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CURRENT = "dead-letters.jsonl";
    private static final String IMPORTING_GLOB = "dead-letters-*.importing.jsonl";

    private final Path folder;
    private final Clock clock;

    public DeadLetterJournal(Path folder, Clock clock) {
        this.folder = folder;
        this.clock = clock;
    }

    /** Appends the dead letter and forces it to disk. */
    public synchronized void append(DeadLetter letter) {
        ObjectNode line = JSON.createObjectNode();
        line.put("entryId", letter.entryId());
        line.put("failedAt", letter.failedAt().toString());
        line.put("routeId", letter.routeId());
        line.put("source", letter.source());
        line.put("record", letter.record());
        line.put("payload", letter.payload());
        line.put("causeType", letter.causeType());
        line.put("cause", letter.cause());
        line.put("kind", letter.kind().name());
        if (letter.legacyInboxId() != null) {
            line.put("legacyInboxId", letter.legacyInboxId());
        }
        byte[] bytes = (line.toString() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(folder);
            Path file = folder.resolve(CURRENT);
            if (!Files.exists(file)) {
                createOwnerOnly(file);
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dead-letter journal in " + folder, e);
        }
    }

    /** @return true when entries wait for an import */
    public synchronized boolean hasEntries() {
        try {
            return Files.exists(folder.resolve(CURRENT)) || !importing().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Hands every journalled dead letter to {@code store}; a file is deleted once all its entries were
     * stored. A store that fails (the database is still down) leaves the file for the next import.
     *
     * @return how many entries were handed over
     */
    public synchronized int importInto(DeadLetterStore store) {
        try {
            Path current = folder.resolve(CURRENT);
            if (Files.exists(current)) {
                // new failures go to a fresh file while this one is imported
                Files.move(current, folder.resolve("dead-letters-" + clock.millis() + "-" + System.nanoTime() + ".importing.jsonl"),
                        StandardCopyOption.ATOMIC_MOVE);
            }
            int imported = 0;
            for (Path file : importing()) {
                for (DeadLetter letter : read(file)) {
                    store.store(letter);
                    imported++;
                }
                Files.delete(file);
            }
            return imported;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import the dead-letter journal in " + folder, e);
        }
    }

    private List<Path> importing() throws IOException {
        List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder, IMPORTING_GLOB)) {
            stream.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    private static List<DeadLetter> read(Path file) throws IOException {
        List<DeadLetter> letters = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode entry = JSON.readTree(line);
                    letters.add(new DeadLetter(entry.path("entryId").asText(), Instant.parse(entry.path("failedAt").asText()),
                            entry.path("routeId").asText(), text(entry, "source"), text(entry, "record"), text(entry, "payload"),
                            entry.path("causeType").asText(), text(entry, "cause"), AlertKind.valueOf(entry.path("kind").asText()),
                            entry.hasNonNull("legacyInboxId") ? entry.get("legacyInboxId").asLong() : null));
                } catch (IOException | RuntimeException e) {
                    // only the last line can be torn, by a crash during its append: it was never counted as stored
                    LOG.warn("Skipped unreadable line {} of the dead-letter journal {}", number, file.getFileName());
                }
            }
        }
        return letters;
    }

    private static String text(JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static void createOwnerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
    }
}
