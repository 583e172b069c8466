package org.portalsync.source.soap;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.source.hl7v2.MappingFile;

/**
 * Begins a poll of the SOAP source: reads its mapping files afresh (so an analyst's change takes effect at the next
 * poll, without a restart; a broken one fails the poll with the file, line and rule named) and starts at page 1.
 * The appointment mapping, if any, must name the patient mapping by its {@code patient} key and read the same
 * operation: its records are inside the patients' records of the same answer. With changed-since on, a poll after the
 * first asks only for what changed since the source's mark (kept in {@code sync_high_water_mark}, feed: the operation)
 * less the overlap, sent with its UTC offset in the mapping's zone; the first poll, with no mark yet, reads everything, and
 * so does one poll every full-read interval (ChangedSince cannot show a deletion; a full read can:
 * {@link ListSoapPatientsGone}).
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
    /** Exchange property: the ChangedSince the requests send (xs:dateTime with offset), absent for a full read. */
    static final String CHANGED_SINCE = "portalSyncSoapChangedSince";
    /** Exchange property: the newest LastModified of the records read so far in this poll (an Instant). */
    static final String POLL_MARK = "portalSyncSoapPollMark";
    /** Exchange property: when this poll, a full read, started (an Instant); absent for a changed-since poll. */
    static final String FULL_READ_AT = "portalSyncSoapFullReadAt";
    /** Exchange property: the logical ids of the Patients this poll read so far (a mutable Set). */
    static final String SEEN_PATIENTS = "portalSyncSoapSeenPatients";
    /**
     * Exchange property: for each Patient of the page just read (its logical id), the logical ids of the appointments its
     * record lists (a Map of Sets); absent without an appointment mapping.
     */
    static final String LISTED_APPOINTMENTS = "portalSyncSoapListedAppointments";

    private final SoapMappings mappings;
    private final Path mappingFile;
    private final Path appointmentMappingFile;
    private final SyncHighWaterMarks marks;
    private final Duration overlap;
    private final Duration fullReadInterval;
    private final Clock clock;

    /**
     * @param appointmentMappingFile null: the poll reads no appointments
     * @param marks                  null: the service takes no ChangedSince, every poll reads every record
     * @param fullReadInterval       with marks: how often a poll reads every record all the same
     */
    public StartSoapPoll(SoapMappings mappings, Path mappingFile, Path appointmentMappingFile, SyncHighWaterMarks marks,
            Duration overlap, Duration fullReadInterval, Clock clock) {
        this.mappings = mappings;
        this.mappingFile = mappingFile;
        this.appointmentMappingFile = appointmentMappingFile;
        this.marks = marks;
        this.overlap = overlap;
        this.fullReadInterval = fullReadInterval;
        this.clock = clock;
    }

    /** The mark of a source's operation, when the poll keeps one. */
    static Optional<Instant> mark(SyncHighWaterMarks marks, MappingFile mapping) {
        return marks == null ? Optional.empty() : marks.read(mapping.source(), mapping.soap().operation());
    }

    /** The feed under which the start of the last full read that ended is kept, beside the operation's mark. */
    static String fullReadFeed(MappingFile mapping) {
        return mapping.soap().operation() + ":full-read";
    }

    @Override
    public void process(Exchange exchange) throws IOException {
        MappingFile mapping = mappings.current(mappingFile);
        exchange.setProperty(MAPPING, mapping);
        exchange.removeProperty(APPOINTMENT_MAPPING);
        if (appointmentMappingFile != null) {
            MappingFile appointments = mappings.current(appointmentMappingFile);
            if (!mapping.name().equals(appointments.patient()) || !mapping.source().equals(appointments.source())
                    || !mapping.soap().operation().equals(appointments.soap().operation())) {
                throw new ConfigurationException(appointmentMappingFile + ": the appointments of the SOAP poll must name its patient "
                        + "mapping (patient: " + mapping.name() + "), store under its source (" + mapping.source() + ") and read its "
                        + "operation (" + mapping.soap().operation() + "); or set " + PortalSyncSettings.SOAP_APPOINTMENT_MAPPING
                        + " empty");
            }
            exchange.setProperty(APPOINTMENT_MAPPING, appointments);
        }
        exchange.removeProperty(POLL_MARK);
        exchange.removeProperty(CHANGED_SINCE);
        exchange.removeProperty(FULL_READ_AT);
        Instant now = clock.instant();
        Optional<Instant> mark = mark(marks, mapping);
        if (mark.isPresent() && !fullReadDue(mapping, now)) {
            exchange.setProperty(CHANGED_SINCE,
                    DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(mark.get().minus(overlap).atZone(mapping.zone()).toOffsetDateTime()));
        } else {
            exchange.setProperty(FULL_READ_AT, now);
        }
        Set<String> seen = new HashSet<>();
        exchange.setProperty(SEEN_PATIENTS, seen);
        exchange.setProperty(PAGE, 1);
        exchange.setProperty(MORE_PAGES, true);
    }

    private boolean fullReadDue(MappingFile mapping, Instant now) {
        return marks.read(mapping.source(), fullReadFeed(mapping)).map(last -> !last.plus(fullReadInterval).isAfter(now)).orElse(true);
    }
}
