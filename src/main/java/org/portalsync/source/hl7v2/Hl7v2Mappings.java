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
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import ca.uhn.hl7v2.ErrorCode;
import org.portalsync.config.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mapping files of {@code config/mappings/} that serve: read at start-up (a broken one stops it) and
 * read again by {@link #rescan} whenever one is added, changed or removed, without a restart. A new version
 * that is broken, or that claims messages another file already takes for the same sender ({@code senders}), does not
 * replace the one serving:
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

    /**
     * The mapping that takes a message: of those that take its type and trigger event (MSH-9) and serve its sender
     * (MSH-3-1, MSH-4-1), the most specific ({@link MappingFile.Sender#rank}); there is one at most, as files whose
     * scopes tie are refused at load.
     */
    public Optional<MappingFile> forMessage(Hl7v2Message message) {
        return forMessage(message.type(), message.event(), message.header(3, 1), message.header(4, 1));
    }

    public synchronized Optional<MappingFile> forMessage(String type, String event, String application, String facility) {
        MappingFile best = null;
        int bestRank = -1;
        for (Loaded loaded : serving.values()) {
            MappingFile mapping = loaded.mapping();
            int rank = mapping.accepts(type, event) ? mapping.serves(application, facility) : -1;
            if (rank > bestRank) {
                best = mapping;
                bestRank = rank;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The mapping that takes a message type and event from a sender no scoped mapping names: an unscoped one. */
    public Optional<MappingFile> forMessage(String type, String event) {
        return forMessage(type, event, null, null);
    }

    /**
     * Why no mapping takes a message, for its NACK: its type, event and sender, and the senders the mappings of its type
     * and event serve, if any (no patient value: MSH-3 and MSH-4 name systems and sites).
     */
    public synchronized Hl7v2MessageException notTaken(Hl7v2Message message) {
        String type = message.type() + "^" + message.event();
        List<String> scopes = serving.values().stream().map(Loaded::mapping).filter(m -> m.accepts(message.type(), message.event()))
                .flatMap(m -> m.senders().stream()).map(Object::toString).toList();
        String problem = "no mapping in config/mappings takes " + type + " from sender " + message.sender() + " (MSH-3^MSH-4)"
                + (scopes.isEmpty() ? "" : "; the mappings of " + type + " serve only " + String.join(", ", scopes));
        boolean typeKnown = serving.values().stream().anyMatch(loaded -> loaded.mapping().accepts().stream()
                .anyMatch(accepts -> accepts.type().equals(message.type())));
        return new Hl7v2MessageException("MSH-9", problem, typeKnown ? ErrorCode.UNSUPPORTED_EVENT_CODE : ErrorCode.UNSUPPORTED_MESSAGE_TYPE);
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

    /**
     * A file may not take what another already takes for the same sender (the same type, event and scope entry), reuse
     * another's mapping name (the {@code patient} key finds mappings by name), or share its source name with a mapping
     * of another scope: the source is in every stable id, so two senders that reuse an MRN stay two patients only if
     * their mappings store under two sources.
     */
    private void checkConflicts(Path file, MappingFile mapping) {
        for (Map.Entry<Path, Loaded> entry : serving.entrySet()) {
            if (entry.getKey().equals(file)) {
                continue;
            }
            MappingFile other = entry.getValue().mapping();
            String otherFile = name(entry.getKey());
            if (other.name().equals(mapping.name())) {
                throw new ConfigurationException(name(file) + ": mapping name '" + mapping.name() + "' is already used by " + otherFile
                        + "; give each file its own (mapping: ...)");
            }
            if (other.source().equals(mapping.source()) && !Set.copyOf(other.senders()).equals(Set.copyOf(mapping.senders()))) {
                throw new ConfigurationException(name(file) + ": source '" + mapping.source() + "' is also the source of " + otherFile
                        + ", which serves " + describe(other.senders()) + ", this file " + describe(mapping.senders()) + "; give each "
                        + "sender's mappings a source of their own (e.g. " + mapping.source() + "-" + suffix(mapping) + "), so that two "
                        + "senders that reuse an MRN stay two patients");
            }
            for (MappingFile.Accepts accepts : mapping.accepts()) {
                for (String event : accepts.events()) {
                    if (!other.accepts(accepts.type(), event)) {
                        continue;
                    }
                    for (MappingFile.Sender sender : mapping.senders()) {
                        if (other.senders().contains(sender)) {
                            throw new ConfigurationException(name(file) + ": " + accepts.type() + "^" + event + " from " + sender
                                    + " is already taken by " + otherFile + "; one mapping per message type, event and sender "
                                    + "(senders: narrows a mapping to some senders, and the most specific one wins)");
                        }
                    }
                }
            }
        }
    }

    private static String describe(List<MappingFile.Sender> senders) {
        return String.join(", ", senders.stream().map(Object::toString).toList());
    }

    private static String suffix(MappingFile mapping) {
        MappingFile.Sender first = mapping.senders().get(0);
        String suffix = (first.application() == null ? "" : first.application()) + (first.application() != null && first.facility() != null
                ? "-" : "") + (first.facility() == null ? "" : first.facility());
        return suffix.isEmpty() ? "site" : suffix.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
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
                .map(loaded -> loaded.mapping().name() + " " + Arrays.toString(loaded.mapping().accepts().toArray())
                        + (loaded.mapping().scoped() ? " from " + describe(loaded.mapping().senders()) : "")).toList());
    }
}
