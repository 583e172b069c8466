package org.portalsync.api;

import java.time.Clock;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;

/** Sets up the API server and binds the beans the API route files use, by the names they use. */
public final class ApiBeans {

    private ApiBeans() {
    }

    /** @param dryRun a dry run opens no port, whatever portal-sync.api.enabled says */
    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean dryRun, PortalDatabase database, AuditTrail trail,
            DeadLetterStore deadLetters, Clock clock) throws Exception {
        ApiAudit audit = new ApiAudit(trail, clock);
        ApiServer.configure(camel, settings, settings.apiEnabled() && !dryRun, audit);
        Registry registry = camel.getRegistry();
        registry.bind("apiAccess", new ApiAccess(new ApiClientStore(database)));
        registry.bind("apiBody", new ApiBody(settings.apiMaxBodyBytes()));
        registry.bind("writeApiError", new WriteApiError());
        registry.bind("auditApiRequest", new AuditApiRequest(audit));
        registry.bind("listUnresolvedDeadLetters", new ListUnresolvedDeadLetters(deadLetters));
    }
}
