package org.portalsync.authority;

import java.util.Optional;

import org.portalsync.portal.PortalPatient;

/** Until per-field authority is configured, the EHR owns every field: the incoming record is stored as it is. */
public final class SourceWinsAuthorityRules implements AuthorityRules {

    @Override
    public PortalPatient merge(Optional<PortalPatient> current, PortalPatient incoming) {
        return incoming;
    }
}
