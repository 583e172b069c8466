package org.portalsync.appointment;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Appointment.AppointmentParticipantComponent;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Location;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.portalsync.appointment.AppointmentDetails.Participant;
import org.portalsync.appointment.AppointmentDetails.Reason;
import org.portalsync.mapping.FhirDates;
import org.portalsync.sync.MalformedResourceException;
import org.portalsync.validate.DataQualityIssue;

/**
 * Maps a FHIR R4 {@code Appointment} to the portal's {@link AppointmentDetails} of the patient it is for. The
 * participants are resolved: the patient (required), the first Practitioner (the provider) and the first Location,
 * each named by its display or, without one, by the resource the search included
 * ({@code _include=Appointment:practitioner}, {@code Appointment:location}).
 *
 * <p>Times: start and end are read from the text the EHR sent ({@link LocalInstant}); one without an offset is
 * read in the facility's zone ({@link FacilityZones}: the location's, else the one the start declares with FHIR's
 * {@code tz-code} extension, else the source's). A time that zone skips or
 * repeats rejects the appointment ({@link MalformedResourceException} naming the appointment and the field: a
 * data-quality row), so that the portal never shows a guessed time; a version already in the portal stays.
 * A field that cannot be read otherwise is left empty and reported as a {@link DataQualityIssue}. Stateless and
 * thread-safe.
 */
public final class MapFhirAppointment {

    private final String fhirBaseUrl;
    private final FacilityZones zones;

    /** @param fhirBaseUrl the EHR's FHIR base; an absolute patient reference must be under it. Null accepts only relative ones. */
    public MapFhirAppointment(String fhirBaseUrl, FacilityZones zones) {
        this.fhirBaseUrl = fhirBaseUrl == null ? null : stripTrailingSlash(fhirBaseUrl.strip());
        this.zones = Objects.requireNonNull(zones, "zones");
    }

    public MappedAppointment map(Appointment appointment) {
        return map(appointment, Map.of());
    }

    /**
     * @param included resources that came with the Appointment, keyed by their relative versionless id
     *                 ({@code Practitioner/12}); may be empty
     * @throws MalformedResourceException without an id, a status or a Patient participant of this EHR, or with a start
     *                                    or end that is no instant in the facility's zone
     */
    public MappedAppointment map(Appointment appointment, Map<String, ? extends IBaseResource> included) {
        Objects.requireNonNull(appointment, "appointment");
        Map<String, ? extends IBaseResource> resources = included == null ? Map.of() : included;
        String id = AppointmentDetails.clean(appointment.getIdElement().getIdPart());
        String record = "Appointment/" + (id == null ? "(no id)" : id);
        if (id == null) {
            throw new MalformedResourceException(record, "Appointment.id", "no logical id: required to key the portal record");
        }
        String status = AppointmentDetails.clean(appointment.getStatusElement().getValueAsString());
        if (status == null) {
            throw new MalformedResourceException(record, "Appointment.status", "no status: required (FHIR R4 Appointment.status 1..1)");
        }
        String patientId = patient(record, appointment);
        String version = appointment.hasMeta() ? AppointmentDetails.clean(appointment.getMeta().getVersionId()) : null;
        if (version == null) {
            version = AppointmentDetails.clean(appointment.getIdElement().getVersionIdPart());
        }
        Instant lastUpdated = appointment.hasMeta() && appointment.getMeta().getLastUpdated() != null
                ? appointment.getMeta().getLastUpdated().toInstant() : null;
        List<DataQualityIssue> problems = new ArrayList<>();

        Reference locationActor = actor(appointment, "Location");
        Participant location = participant(locationActor, resources);
        Extension declared = appointment.getStartElement().getExtensionByUrl(FhirDates.TZ_CODE);
        ZoneId zone = zones.of(location.reference(), identifiers(locationActor, resources),
                declared != null && declared.getValue() instanceof CodeType code ? code.getValue() : null);
        // the text as sent: getStart() would have applied the JVM's zone to a time without offset
        Instant start = instant(record, "Appointment.start", appointment.getStartElement().getValueAsString(), zone);
        Instant end = instant(record, "Appointment.end", appointment.getEndElement().getValueAsString(), zone);
        if (start == null && !List.of("proposed", "cancelled", "waitlist").contains(status)) {
            // FHIR R4 invariant app-3: only proposed, cancelled and waitlisted appointments may lack times
            problems.add(new DataQualityIssue(record, "Appointment.start", "no start for a " + status + " appointment", false));
        }
        if (start != null && end != null && end.isBefore(start)) {
            problems.add(new DataQualityIssue(record, "Appointment.end", "ends before it starts", false));
        }
        Participant provider = participant(actor(appointment, "Practitioner"), resources);
        if (provider.reference() != null && provider.display() == null) {
            problems.add(new DataQualityIssue(record, "Appointment.participant (Practitioner)",
                    "no display and no included Practitioner with a name", false));
        }
        if (location.reference() != null && location.display() == null) {
            problems.add(new DataQualityIssue(record, "Appointment.participant (Location)",
                    "no display and no included Location with a name", false));
        }
        AppointmentDetails details = new AppointmentDetails(start, end, zone.getId(), status,
                text(appointment.hasCancelationReason() ? appointment.getCancelationReason() : null),
                reason(appointment), appointment.getComment(), provider, location);
        return new MappedAppointment(id, version, lastUpdated, patientId, details, problems);
    }

    private static Instant instant(String record, String field, String text, ZoneId zone) {
        LocalInstant.Reading reading = LocalInstant.read(text, zone);
        if (reading.problem() != null) {
            throw new MalformedResourceException(record, field, reading.problem());
        }
        return reading.instant();
    }

    private String patient(String record, Appointment appointment) {
        Reference actor = actor(appointment, "Patient");
        if (actor == null) {
            throw new MalformedResourceException(record, "Appointment.participant", "no Patient participant: required to show it to a patient");
        }
        IdType id = new IdType(actor.getReference());
        if (AppointmentDetails.clean(id.getIdPart()) == null || id.isLocal()) {
            throw new MalformedResourceException(record, "Appointment.participant", "not a reference to a Patient");
        }
        if (id.isAbsolute() && (fhirBaseUrl == null || !fhirBaseUrl.equals(stripTrailingSlash(id.getBaseUrl())))) {
            throw new MalformedResourceException(record, "Appointment.participant", "a Patient on another server than this EHR's base URL");
        }
        return id.getIdPart();
    }

    /** The first participant's actor of this type (by its reference, or by its type for a display-only actor). */
    private static Reference actor(Appointment appointment, String type) {
        for (AppointmentParticipantComponent participant : appointment.getParticipant()) {
            Reference actor = participant.getActor();
            String reference = AppointmentDetails.clean(actor.getReference());
            String actorType = reference != null ? new IdType(reference).getResourceType() : AppointmentDetails.clean(actor.getType());
            if (type.equals(actorType)) {
                return actor;
            }
        }
        return null;
    }

    private static Participant participant(Reference actor, Map<String, ? extends IBaseResource> included) {
        if (actor == null) {
            return new Participant(null, null);
        }
        String reference = relative(actor.getReference());
        String display = AppointmentDetails.clean(actor.getDisplay());
        if (display == null && reference != null) {
            IBaseResource resource = included.get(reference);
            if (resource instanceof Practitioner practitioner) {
                display = name(practitioner);
            } else if (resource instanceof Location location) {
                display = AppointmentDetails.clean(location.getName());
            }
        }
        return new Participant(reference, display);
    }

    private static List<String> identifiers(Reference actor, Map<String, ? extends IBaseResource> included) {
        String reference = actor == null ? null : relative(actor.getReference());
        List<String> identifiers = new ArrayList<>();
        if (actor != null && actor.hasIdentifier()) {
            identifiers.add(actor.getIdentifier().getSystem() + "|" + actor.getIdentifier().getValue());
        }
        if (reference != null && included.get(reference) instanceof Location location) {
            location.getIdentifier().forEach(i -> identifiers.add(i.getSystem() + "|" + i.getValue()));
        }
        return identifiers;
    }

    private static String name(Practitioner practitioner) {
        for (HumanName name : practitioner.getName()) {
            String text = AppointmentDetails.clean(name.getText());
            if (text != null) {
                return text;
            }
            String written = AppointmentDetails.clean((name.getPrefixAsSingleString() + " " + name.getGivenAsSingleString() + " "
                    + (name.getFamily() == null ? "" : name.getFamily())).replaceAll("\\s+", " "));
            if (written != null) {
                return written;
            }
        }
        return null;
    }

    private static Reason reason(Appointment appointment) {
        if (!appointment.hasReasonCode()) {
            return new Reason(null, null);
        }
        CodeableConcept concept = appointment.getReasonCodeFirstRep();
        Coding coding = concept.getCoding().stream().filter(Coding::hasCode).findFirst().orElse(null);
        String code = coding == null ? null : (coding.hasSystem() ? coding.getSystem() + "|" : "") + coding.getCode();
        return new Reason(text(concept), code);
    }

    private static String text(CodeableConcept concept) {
        if (concept == null) {
            return null;
        }
        String text = AppointmentDetails.clean(concept.getText());
        if (text != null) {
            return text;
        }
        return concept.getCoding().stream().map(c -> c.hasDisplay() ? c.getDisplay() : c.getCode())
                .map(AppointmentDetails::clean).filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** {@code Practitioner/12}, whether the reference was relative, absolute or versioned. */
    private static String relative(String reference) {
        String clean = AppointmentDetails.clean(reference);
        return clean == null ? null : new IdType(clean).toUnqualifiedVersionless().getValue();
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
