package org.portalsync.portal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a patient wants the practice to reach them: kept in the portal only (FHIR R4's Patient has no
 * element for reminder channels), so the EHR never sends it and write-back never carries it.
 *
 * @param preferredChannel the channel for anything personal: email, sms, phone, mail or portal (messages in the portal)
 * @param reminders        the channels appointment reminders go to (email, sms, phone); empty: no reminders
 */
public record CommunicationPreferences(@JsonProperty("preferred_channel") String preferredChannel,
        @JsonProperty("reminders") List<String> reminders) {

    public static final Set<String> CHANNELS = Set.of("email", "sms", "phone", "mail", "portal");
    public static final Set<String> REMINDER_CHANNELS = Set.of("email", "sms", "phone");

    public CommunicationPreferences {
        reminders = reminders == null ? List.of() : List.copyOf(reminders);
    }

    /** @return what is wrong with the value, naming the field and never quoting the value; empty when valid */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (preferredChannel != null && !CHANNELS.contains(preferredChannel)) {
            problems.add("preferred_channel: not one of " + CHANNELS.stream().sorted().toList());
        }
        if (!REMINDER_CHANNELS.containsAll(reminders)) {
            problems.add("reminders: each must be one of " + REMINDER_CHANNELS.stream().sorted().toList());
        }
        if (new HashSet<>(reminders).size() != reminders.size()) {
            problems.add("reminders: a channel is named twice");
        }
        return problems;
    }
}
