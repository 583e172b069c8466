package org.portalsync.writeback;

import java.util.regex.Pattern;

import org.portalsync.api.ApiRefusal;

/** A resource's logical id as the portal sends it: {@code 123} or {@code Slot/123}; FHIR R4 ids are [A-Za-z0-9\-.]{1,64}. */
final class SlotIds {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private SlotIds() {
    }

    /** @return the logical id; 422 naming slot_id for anything else */
    static String checked(String slotId) {
        return checkedId(slotId, "slot_id");
    }

    /** @return the logical id of {@code 123} or {@code Type/123}; 422 naming the parameter for anything else */
    static String checkedId(String given, String parameter) {
        String id = given.strip();
        int slash = id.indexOf('/');
        if (slash > 0) {
            id = id.substring(slash + 1);
        }
        if (!ID.matcher(id).matches()) {
            throw new ApiRefusal(422, "invalid_value", parameter + ": not a FHIR id.");
        }
        return id;
    }
}
