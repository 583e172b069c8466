package org.portalsync.appointment;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Reads an appointment time as the EHR wrote it (the JSON text, never HAPI's {@code Date}, which fills a
 * missing offset from the JVM's default zone without a word). With an offset it is that instant. Without
 * one (FHIR requires it, but some servers and legacy feeds leave it out) it is a wall-clock time in the
 * facility's zone: a time the zone skips (the spring-forward gap) does not exist, and a time it repeats (the
 * fall-back overlap) is two instants an hour apart. Neither is guessed: both are errors for the caller to report.
 */
final class LocalInstant {

    /** An instant, or why there is none; {@code problem} never quotes the value (a patient's appointment time). */
    record Reading(Instant instant, String problem) {
    }

    private LocalInstant() {
    }

    static Reading read(String text, ZoneId zone) {
        if (text == null || text.isBlank()) {
            return new Reading(null, null);
        }
        String value = text.strip();
        try {
            return new Reading(OffsetDateTime.parse(value).toInstant(), null);
        } catch (DateTimeParseException withoutOffset) {
            // read below as a local time
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.parse(value);
        } catch (DateTimeParseException e) {
            return new Reading(null, "not an instant (expected YYYY-MM-DDThh:mm:ss with an offset)");
        }
        List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
        if (offsets.isEmpty()) {
            return new Reading(null, "a local time without offset that does not exist in " + zone
                    + " (skipped when daylight-saving time begins); the EHR must send the offset");
        }
        if (offsets.size() > 1) {
            return new Reading(null, "a local time without offset that occurs twice in " + zone
                    + " (repeated when daylight-saving time ends); the EHR must send the offset");
        }
        try {
            return new Reading(local.toInstant(offsets.get(0)), null);
        } catch (DateTimeException e) {
            return new Reading(null, "not an instant");
        }
    }
}
