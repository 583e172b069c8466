package org.portalsync.writeback;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Schedule;
import org.hl7.fhir.r4.model.Slot;
import org.portalsync.api.ApiPath;
import org.portalsync.api.ApiQuery;
import org.portalsync.api.ApiRefusal;
import org.portalsync.api.ApiResponses;
import org.portalsync.appointment.FacilityZones;
import org.portalsync.source.fhir.EhrOrigin;
import org.portalsync.source.fhir.FhirResponse;
import org.portalsync.source.fhir.FhirSourceClient;

/**
 * Answers {@code GET /api/v1/appointments/{source}/slots?schedule|practitioner|location=...&start=...&end=...}: the
 * EHR's free Slots of one schedule, practitioner or location in that window ({@code Slot?status=free}, with the
 * Schedules included, every page to the end), as portal JSON: each slot's start and end as instants and as the
 * facility's clocks show them, with its zone. Never stored: a slot's freedom is only known at the EHR, at booking.
 */
public final class SearchFreeSlots implements Processor {

    /** Slots per answer at most: a longer window is narrowed by the portal, not paged by us. */
    static final int MAX_SLOTS = 1000;
    private static final Duration DEFAULT_WINDOW = Duration.ofDays(14);

    private final String source;
    private final String baseUrl;
    private final FhirSourceClient ehr;
    private final IParser parser;
    private final FacilityZones zones;
    private final Clock clock;

    public SearchFreeSlots(String source, String baseUrl, FhirSourceClient ehr, FhirContext fhir, FacilityZones zones, Clock clock) {
        this.source = source;
        this.baseUrl = baseUrl;
        this.ehr = ehr;
        this.parser = fhir.newJsonParser();
        this.zones = zones;
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        if (!source.equals(ApiPath.parameter(exchange, "source"))) {
            throw new ApiRefusal(404, "not_found", "No source named so.");
        }
        ApiQuery query = ApiQuery.of(exchange, Set.of("schedule", "practitioner", "location", "start", "end"));
        List<String> of = List.of("schedule", "practitioner", "location").stream().filter(name -> query.text(name).isPresent()).toList();
        if (of.size() != 1) {
            throw ApiRefusal.badRequest("Give exactly one of schedule, practitioner or location.");
        }
        String by = of.get(0);
        String id = SlotIds.checkedId(query.text(by).get(), by);
        Instant start = query.text("start").map(text -> instant(text, "start")).orElse(clock.instant());
        Instant end = query.text("end").map(text -> instant(text, "end")).orElse(start.plus(DEFAULT_WINDOW));
        if (!end.isAfter(start)) {
            throw new ApiRefusal(422, "invalid_value", "end: not after start.");
        }
        String type = Character.toUpperCase(by.charAt(0)) + by.substring(1);
        String parameter = by.equals("schedule") ? "schedule=" : "schedule.actor=";
        String url = baseUrl + "/Slot?status=free&" + parameter + enc(type + "/" + id) + "&start=ge" + enc(start.toString())
                + "&start=lt" + enc(end.toString()) + "&_include=Slot:schedule&_sort=start&_count=100";
        List<Slot> slots = new ArrayList<>();
        Map<String, Schedule> schedules = new HashMap<>();
        EhrOrigin origin = EhrOrigin.of(baseUrl);
        boolean complete = true;
        while (url != null) {
            FhirResponse page = ehr.get(url, "Slot.search");
            if (page.status() >= 300) {
                throw new ApiRefusal(502, "ehr_refused", "The EHR answered HTTP " + page.status() + " to the slot search.");
            }
            Bundle bundle = parser.parseResource(Bundle.class, page.body());
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                if (entry.getResource() instanceof Slot slot) {
                    slots.add(slot);
                } else if (entry.getResource() instanceof Schedule schedule) {
                    schedules.put("Schedule/" + schedule.getIdElement().getIdPart(), schedule);
                }
            }
            url = bundle.getLink(Bundle.LINK_NEXT) == null ? null : bundle.getLink(Bundle.LINK_NEXT).getUrl();
            if (slots.size() >= MAX_SLOTS) {
                complete = url == null;
                break;
            }
            if (url != null && !origin.contains(URI.create(url))) {
                // the token goes to the EHR's own origin only
                throw new ApiRefusal(502, "ehr_refused", "The EHR's next page is on another origin; the search stopped.");
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Slot slot : slots.subList(0, Math.min(slots.size(), MAX_SLOTS))) {
            String scheduleRef = slot.getSchedule().getReferenceElement().toUnqualifiedVersionless().getValue();
            Schedule schedule = schedules.get(scheduleRef);
            String practitioner = actor(schedule, "Practitioner");
            String location = actor(schedule, "Location");
            ZoneId zone = zones.of(location, List.of());
            Instant slotStart = slotTime(slot.getStartElement().getValueAsString());
            Instant slotEnd = slotTime(slot.getEndElement().getValueAsString());
            if (slotStart == null || slotEnd == null) {
                // FHIR's instant has an offset; a slot without one would be a guess in the zone, never offered
                continue;
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("slot_id", slot.getIdElement().getIdPart());
            json.put("start", slotStart.toString());
            json.put("end", slotEnd.toString());
            json.put("local_start", AppointmentWriteBack.offsetText(slotStart, zone));
            json.put("local_end", AppointmentWriteBack.offsetText(slotEnd, zone));
            json.put("zone", zone.getId());
            json.put("schedule", scheduleRef);
            json.put("practitioner", practitioner);
            json.put("location", location);
            out.add(json);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("slots", out);
        body.put("complete", complete);
        ApiResponses.json(exchange, 200, body);
    }

    private static Instant slotTime(String text) {
        try {
            return text == null ? null : OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String actor(Schedule schedule, String type) {
        if (schedule == null) {
            return null;
        }
        return schedule.getActor().stream().map(Reference::getReferenceElement).filter(r -> type.equals(r.getResourceType()))
                .map(r -> r.toUnqualifiedVersionless().getValue()).findFirst().orElse(null);
    }

    /** An instant with its offset, or a day (its start in UTC). */
    private static Instant instant(String text, String field) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notAnInstant) {
            try {
                return LocalDate.parse(text).atStartOfDay(ZoneId.of("UTC")).toInstant();
            } catch (DateTimeParseException e) {
                throw new ApiRefusal(422, "invalid_value", field + ": not an ISO instant with an offset, nor a date.");
            }
        }
    }

    private static String enc(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
