package org.portalsync.source.soap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.source.hl7v2.MappingFileReader;

/**
 * Begins a poll of the SOAP source: reads its mapping files afresh (so an analyst's change takes effect at the next
 * poll, without a restart; a broken one fails the poll with the file, line and rule named) and starts at page 1.
 * The appointment mapping, if any, must name the patient mapping by its {@code patient} key and read the same
 * operation: its records are inside the patients' records of the same answer.
 */
public final class StartSoapPoll implements Processor {

    /** Exchange property: the mapping of this poll. */
    static final String MAPPING = "portalSyncSoapMapping";
    /** Exchange property: the appointment mapping of this poll, absent when there is none. */
    static final String APPOINTMENT_MAPPING = "portalSyncSoapAppointmentMapping";
    /** Exchange property: the page to ask for next. */
    static final String PAGE = "portalSyncSoapPage";
    /** Exchange property: whether another page is to be asked for (the loop's condition). */
    public static final String MORE_PAGES = "portalSyncSoapMorePages";

    private final MappingFileReader reader;
    private final Path mappingFile;
    private final Path appointmentMappingFile;

    /** @param appointmentMappingFile null: the poll reads no appointments */
    public StartSoapPoll(MappingFileReader reader, Path mappingFile, Path appointmentMappingFile) {
        this.reader = reader;
        this.mappingFile = mappingFile;
        this.appointmentMappingFile = appointmentMappingFile;
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        MappingFile mapping = read(mappingFile);
        exchange.setProperty(MAPPING, mapping);
        exchange.removeProperty(APPOINTMENT_MAPPING);
        if (appointmentMappingFile != null) {
            MappingFile appointments = read(appointmentMappingFile);
            if (!mapping.name().equals(appointments.patient()) || !mapping.source().equals(appointments.source())
                    || !mapping.soap().operation().equals(appointments.soap().operation())) {
                throw new ConfigurationException(appointmentMappingFile + ": the appointments of the SOAP poll must name its patient "
                        + "mapping (patient: " + mapping.name() + "), store under its source (" + mapping.source() + ") and read its "
                        + "operation (" + mapping.soap().operation() + "); or set " + PortalSyncSettings.SOAP_APPOINTMENT_MAPPING
                        + " empty");
            }
            exchange.setProperty(APPOINTMENT_MAPPING, appointments);
        }
        exchange.setProperty(PAGE, 1);
        exchange.setProperty(MORE_PAGES, true);
    }

    private MappingFile read(Path file) throws IOException {
        MappingFile mapping = reader.read(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        if (mapping.soap() == null) {
            throw new ConfigurationException(file + ": not a SOAP mapping (it has no soap: section)");
        }
        return mapping;
    }
}
