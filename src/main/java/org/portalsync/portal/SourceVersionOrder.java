package org.portalsync.portal;

import java.time.Instant;

/**
 * Tells whether a record from the source is older than the one the portal holds, so that a late
 * page, a slow refresh or a replayed dead letter never puts an older version over a newer one.
 * {@code meta.lastUpdated} decides; when it ties or is missing, a numeric {@code meta.versionId}
 * (HAPI, Epic and Cerner number versions; the FHIR spec leaves the form open) breaks the tie.
 * Anything not comparable is not older: the content comparison then decides.
 */
public final class SourceVersionOrder {

    private SourceVersionOrder() {
    }

    public static boolean isOlder(String incomingVersion, Instant incomingLastUpdated, String storedVersion, Instant storedLastUpdated) {
        if (incomingLastUpdated != null && storedLastUpdated != null && !incomingLastUpdated.equals(storedLastUpdated)) {
            return incomingLastUpdated.isBefore(storedLastUpdated);
        }
        Long incoming = number(incomingVersion);
        Long stored = number(storedVersion);
        return incoming != null && stored != null && incoming < stored;
    }

    public static boolean isOlder(PortalPatient incoming, PortalPatient stored) {
        return isOlder(incoming.sourceVersion(), incoming.sourceLastUpdated(), stored.sourceVersion(), stored.sourceLastUpdated());
    }

    private static Long number(String version) {
        if (version == null || version.isEmpty() || version.length() > 18) {
            return null;
        }
        for (int i = 0; i < version.length(); i++) {
            if (!Character.isDigit(version.charAt(i))) {
                return null;
            }
        }
        return Long.parseLong(version);
    }
}
