package org.portalsync.authority;

import java.util.Optional;

import org.portalsync.portal.PortalPatient;

/**
 * Decides, field by field, which side wins when a source record meets the portal's current one.
 * Called inside the delivery transaction, so the current record cannot change under it.
 * Per-field rules from {@code config/authority.yaml} plug in here.
 */
public interface AuthorityRules {

    /**
     * @param current  the portal's record, empty for a patient new to the portal
     * @param incoming the record as mapped from the source
     * @return the record to store
     */
    PortalPatient merge(Optional<PortalPatient> current, PortalPatient incoming);
}
