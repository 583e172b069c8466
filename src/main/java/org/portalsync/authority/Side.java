package org.portalsync.authority;

import java.util.Locale;

/** One of the two systems that edit a patient: the EHR, or the portal (its patients and staff). */
public enum Side {
    EHR, PORTAL;

    /** @return the name used in {@code config/authority.yaml}, the API and the provenance: {@code ehr}, {@code portal} */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Side other() {
        return this == EHR ? PORTAL : EHR;
    }
}
