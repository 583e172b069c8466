package org.portalsync.appointment;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The IANA zone each appointment is kept and shown in: its location's, when the operator declared one
 * ({@code portal-sync.appointments.location-zones}), else the source's ({@code portal-sync.source.fhir.zone}).
 * A location is named by its logical id ({@code Location/7}) or by one of its identifiers ({@code system|value}),
 * which survives an EHR migration that renumbers resources. FHIR R4's Location has no element for its zone,
 * so it comes from configuration, never from the JVM. Immutable.
 */
public final class FacilityZones {

    private final ZoneId sourceZone;
    private final Map<String, ZoneId> byLocation;

    public FacilityZones(ZoneId sourceZone, Map<String, ZoneId> byLocation) {
        this.sourceZone = Objects.requireNonNull(sourceZone, "sourceZone");
        this.byLocation = Map.copyOf(byLocation);
    }

    /**
     * Reads the setting's form: {@code Location/7=America/Chicago, urn:example:site|north=Europe/Berlin}.
     *
     * @throws IllegalArgumentException naming the entry that is not {@code key=zone} or whose zone is no IANA zone id
     */
    public static Map<String, ZoneId> parse(String setting) {
        Map<String, ZoneId> zones = new LinkedHashMap<>();
        if (setting == null || setting.isBlank()) {
            return zones;
        }
        for (String entry : setting.split(",")) {
            String item = entry.strip();
            int equals = item.lastIndexOf('=');
            String key = equals < 0 ? "" : item.substring(0, equals).strip();
            String zone = equals < 0 ? "" : item.substring(equals + 1).strip();
            if (key.isEmpty() || zone.isEmpty() || !(key.startsWith("Location/") || key.contains("|"))) {
                throw new IllegalArgumentException("entry '" + item + "' is not Location/<id>=<zone> or <system>|<value>=<zone>");
            }
            if (zones.containsKey(key)) {
                throw new IllegalArgumentException("location " + key + " is given twice");
            }
            try {
                // a region id only: a fixed offset (+01:00) has no daylight-saving time and would be wrong half the year
                if (!zone.contains("/") && !zone.equals("UTC")) {
                    throw new DateTimeException(zone);
                }
                zones.put(key, ZoneId.of(zone));
            } catch (DateTimeException e) {
                throw new IllegalArgumentException("'" + zone + "' for " + key + " is not an IANA zone id such as America/Chicago");
            }
        }
        return zones;
    }

    public ZoneId sourceZone() {
        return sourceZone;
    }

    /**
     * @param locationReference the appointment's Location, e.g. {@code Location/7}; null when it names none
     * @param identifiers       that Location's identifiers as {@code system|value}, when the search included it
     */
    public ZoneId of(String locationReference, Collection<String> identifiers) {
        return of(locationReference, identifiers, null);
    }

    /**
     * As {@link #of(String, Collection)}, with the zone the sender declared for the appointment's times (FHIR's
     * {@code tz-code} extension, which a legacy mapping writes with its own zone) before the source's: a location the
     * operator named still decides.
     *
     * @param declared an IANA zone id, or null; one that is not a region id is ignored
     */
    public ZoneId of(String locationReference, Collection<String> identifiers, String declared) {
        if (locationReference != null && byLocation.containsKey(locationReference)) {
            return byLocation.get(locationReference);
        }
        for (String identifier : identifiers) {
            if (byLocation.containsKey(identifier)) {
                return byLocation.get(identifier);
            }
        }
        if (declared != null && ZoneId.getAvailableZoneIds().contains(declared)) {
            return ZoneId.of(declared);
        }
        return sourceZone;
    }
}
