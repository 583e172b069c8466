package org.portalsync.authority;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Who made a change: the EHR (any change read from it), or, in the portal, the patient or the practice's staff. */
public enum Initiator {
    EHR, PATIENT, STAFF;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Side side() {
        return this == EHR ? Side.EHR : Side.PORTAL;
    }

    public static Optional<Initiator> byConfigName(String name) {
        return Arrays.stream(values()).filter(i -> i.configName().equals(name)).findFirst();
    }
}
