package org.portalsync.source.soap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.portalsync.config.ConfigurationException;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.MappingFileReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SOAP source's mapping files as its polls use them, read again at every poll so that an analyst's change takes
 * effect without a restart. A changed version that is broken does not stop the polls: it is reported once (log line
 * and, in the engine, an alert naming file, line and rule) and the version before it serves on, as with the HL7 v2
 * mapping folder. Only a file that was never valid fails the poll.
 */
public final class SoapMappings {

    private static final Logger LOG = LoggerFactory.getLogger(SoapMappings.class);

    private record Loaded(String text, MappingFile mapping) {
    }

    private final MappingFileReader reader;
    private final Consumer<String> onRejected;
    private final Map<Path, Loaded> serving = new HashMap<>();
    private final Map<Path, String> rejected = new HashMap<>();

    /** @param onRejected told of each broken new version once, with the file, line and rule */
    public SoapMappings(MappingFileReader reader, Consumer<String> onRejected) {
        this.reader = reader;
        this.onRejected = onRejected;
    }

    /**
     * The version of the file to poll with: the one on disk if valid, else the last valid one.
     *
     * @throws ConfigurationException the file has never been valid: the problem, with its file, line and rule
     */
    public synchronized MappingFile current(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Loaded last = serving.get(file);
        if (last != null && (last.text().equals(text) || text.equals(rejected.get(file)))) {
            return last.mapping();
        }
        try {
            MappingFile mapping = read(file, text);
            serving.put(file, new Loaded(text, mapping));
            rejected.remove(file);
            if (last != null) {
                LOG.info("SOAP mapping {} changed: the next records are mapped with its new version", file);
            }
            return mapping;
        } catch (ConfigurationException e) {
            if (last == null) {
                throw e;
            }
            rejected.put(file, text);
            String problem = e.getMessage() + "; its previous version still serves";
            LOG.warn("SOAP mapping rejected: {}", problem);
            onRejected.accept(problem);
            return last.mapping();
        }
    }

    private MappingFile read(Path file, String text) {
        MappingFile mapping = reader.read(file.toString(), text);
        if (mapping.soap() == null) {
            throw new ConfigurationException(file + ": not a SOAP mapping (it has no soap: section)");
        }
        return mapping;
    }
}
