package org.portalsync.authority;

import java.time.Instant;

/**
 * Who last set one field of a portal record, when, and what the EHR last said about it.
 *
 * @param setBy         the side whose value the portal holds
 * @param setAt         when that side changed it: the EHR resource's {@code meta.lastUpdated}, or the time the portal submitted the change
 * @param sourceVersion the EHR version the value came from ({@code meta.versionId}); null for a portal value
 * @param ehrValueHash  the hash ({@link PatientFieldValues#hash}) of the value the EHR last sent for the field: a later
 *                      version with another hash changed the field, one with the same hash changed something else
 */
public record FieldProvenance(Side setBy, Instant setAt, String sourceVersion, String ehrValueHash) {

    /** @return this with the EHR's latest value hash, the rest unchanged */
    public FieldProvenance seenAtEhr(String hash) {
        return new FieldProvenance(setBy, setAt, sourceVersion, hash);
    }

    /** @return true when the portal holds a value the EHR does not have yet: the write-back's work list */
    public boolean portalAheadOfEhr(String currentValueHash) {
        return setBy == Side.PORTAL && !currentValueHash.equals(ehrValueHash);
    }
}
