package org.portalsync.source.hl7v2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.portalsync.config.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mapping files of {@code config/mappings/} that serve: read at start-up (a broken one stops it) and
 * read again by {@link #rescan} whenever one is added, changed or removed, without a restart. A new version
 * that is broken, or that claims messages another file already takes, does not replace the one serving:
 * it is reported once (log line and, in the engine, an alert row) until the file changes again.
 */
public final class Hl7v2Mappings {

    private static final Logger LOG = LoggerFactory.getLogger(Hl7v2Mappings.class);

    private record Loaded(String text, MappingFile mapping) {
    }

    private final Path folder;
    private final MappingFileReader reader;
    private final Consumer<String> onRejected;
    private final Map<Path, Loaded> serving = new LinkedHashMap<>();
    private final Map<Path, String> rejected = new LinkedHashMap<>();

    /** @param onRejected told of each broken new version once, with the file, line and rule (an alert in the engine) */
    public Hl7v2Mappings(Path folder, MappingFileReader reader, Consumer<String> onRejected) {
        this.folder = folder;
        this.reader = reader;
        this.onRejected = onRejected;
    }

    /** The start-up read: every file must be valid. @throws ConfigurationException listing every problem */
    public synchronized Hl7v2Mappings loadAll() {
        List<String> problems = new ArrayList<>();
        for (Path file : files()) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                MappingFile mapping = reader.read(name(file), text);
                checkConflicts(file, mapping);
                serving.put(file, new Loaded(text, mapping));
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            } catch (IOException e) {
                problems.add(name(file) + ": cannot be read (" + e.getClass().getSimpleName() + ")");
            }
        }
        for (Loaded loaded : serving.values()) {
            try {
                patientFor(loaded.mapping());
            } catch (ConfigurationException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigurationException("Invalid HL7 v2 mapping files in " + folder + ":\n  - " + String.join("\n  - ", problems));
        }
        LOG.info("HL7 v2 mappings serving: {}", describe());
        return this;
    }

    /** Takes added and changed files in, drops removed ones. @return the problems found in new versions (each reported once) */
    public synchronized List<String> rescan() {
        List<String> problems = new ArrayList<>();
        List<Path> present = files();
        for (Path file : present) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                continue; // being written or removed right now: the next scan sees it whole
            }
            Loaded current = serving.get(file);
            if (current != null && current.text().equals(text) || text.equals(rejected.get(file))) {
                continue;
            }
            try {
                MappingFile mapping = reader.read(name(file), text);
                checkConflicts(file, mapping);
                serving.put(file, new Loaded(text, mapping));
                rejected.remove(file);
                LOG.info("HL7 v2 mapping {} {}: it now serves {}", name(file), current == null ? "added" : "changed", mapping.accepts());
            } catch (ConfigurationException e) {
                rejected.put(file, text);
                String problem = e.getMessage() + (current == null ? "; the file is not used" : "; its previous version still serves");
                LOG.warn("HL7 v2 mapping rejected: {}", problem);
                problems.add(problem);
                onRejected.accept(problem);
            }
        }
        serving.keySet().removeIf(file -> {
            boolean gone = !present.contains(file);
            if (gone) {
                LOG.info("HL7 v2 mapping {} removed: its messages are no longer taken", name(file));
            }
            return gone;
        });
        rejected.keySet().retainAll(present);
        return problems;
    }

    /** The mapping that takes a message type and trigger event. */
    public synchronized Optional<MappingFile> forMessage(String type, String event) {
        return serving.values().stream().map(Loaded::mapping).filter(mapping -> mapping.accepts(type, event)).findFirst();
    }

    /** A mapping by its name, or by its file's name. */
    public synchronized Optional<MappingFile> named(String name) {
        return serving.entrySet().stream().filter(entry -> entry.getValue().mapping().name().equals(name)
                || entry.getKey().getFileName().toString().equals(name)).map(entry -> entry.getValue().mapping()).findFirst();
    }

    /**
     * The mapping that makes the Patient of a mapping's messages ({@code patient}: its name), or null when it names none.
     * It must serve, make Patients and store them under the same source name, or the two would not meet in one record.
     *
     * @throws ConfigurationException naming the file and what is wrong
     */
    public synchronized MappingFile patientFor(MappingFile mapping) {
        if (mapping.patient() == null) {
            return null;
        }
        MappingFile patient = named(mapping.patient()).orElseThrow(() -> new ConfigurationException(mapping.file() + ": patient: mapping '"
                + mapping.patient() + "' is not serving; put it in " + folder));
        if (!patient.resourceType().equals("Patient") || !patient.source().equals(mapping.source()) || patient.each() != null) {
            throw new ConfigurationException(mapping.file() + ": patient: mapping '" + mapping.patient() + "' must produce one Patient per "
                    + "message under the same source (" + mapping.source() + "), so that its patients and these records meet; it produces "
                    + patient.resourceType() + (patient.each() != null ? " of each " + patient.each() : "") + " under " + patient.source());
        }
        return patient;
    }

    public synchronized List<MappingFile> serving() {
        return serving.values().stream().map(Loaded::mapping).toList();
    }

    private void checkConflicts(Path file, MappingFile mapping) {
        for (Map.Entry<Path, Loaded> other : serving.entrySet()) {
            if (other.getKey().equals(file)) {
                continue;
            }
            for (MappingFile.Accepts accepts : mapping.accepts()) {
                for (String event : accepts.events()) {
                    if (other.getValue().mapping().accepts(accepts.type(), event)) {
                        throw new ConfigurationException(name(file) + ": " + accepts.type() + "^" + event + " is already taken by "
                                + name(other.getKey()) + "; one mapping per message type and event");
                    }
                }
            }
        }
    }

    private List<Path> files() {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.filter(file -> file.getFileName().toString().matches(".*\\.ya?ml")).filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            LOG.warn("Cannot list the HL7 v2 mapping folder {} ({})", folder, e.getClass().getSimpleName());
            return new ArrayList<>(serving.keySet());
        }
    }

    private String name(Path file) {
        return file.toString();
    }

    private String describe() {
        return serving.isEmpty() ? "none" : String.join(", ", serving.values().stream()
                .map(loaded -> loaded.mapping().name() + " " + Arrays.toString(loaded.mapping().accepts().toArray())).toList());
    }
}
