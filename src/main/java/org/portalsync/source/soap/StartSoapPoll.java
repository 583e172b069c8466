package org.portalsync.source.soap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.ConfigurationException;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.MappingFileReader;

/**
 * Begins a poll of the SOAP source: reads its mapping file afresh (so an analyst's change takes effect at the next
 * poll, without a restart; a broken one fails the poll with the file, line and rule named) and starts at page 1.
 */
public final class StartSoapPoll implements Processor {

    /** Exchange property: the mapping of this poll. */
    static final String MAPPING = "portalSyncSoapMapping";
    /** Exchange property: the page to ask for next. */
    static final String PAGE = "portalSyncSoapPage";
    /** Exchange property: whether another page is to be asked for (the loop's condition). */
    public static final String MORE_PAGES = "portalSyncSoapMorePages";

    private final MappingFileReader reader;
    private final Path mappingFile;

    public StartSoapPoll(MappingFileReader reader, Path mappingFile) {
        this.reader = reader;
        this.mappingFile = mappingFile;
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        MappingFile mapping = reader.read(mappingFile.toString(), Files.readString(mappingFile, StandardCharsets.UTF_8));
        if (mapping.soap() == null) {
            throw new ConfigurationException(mappingFile + ": not a SOAP mapping (it has no soap: section)");
        }
        exchange.setProperty(MAPPING, mapping);
        exchange.setProperty(PAGE, 1);
        exchange.setProperty(MORE_PAGES, true);
    }
}
