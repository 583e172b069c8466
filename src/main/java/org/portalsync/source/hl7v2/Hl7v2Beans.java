package org.portalsync.source.hl7v2;

import java.time.Clock;
import java.time.Duration;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.validate.DataQualityLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the beans of the HL7 v2 routes ({@code routes/hl7v2-mllp-inbound.yaml}) by the names they use. The
 * mapping files are read (and must all be valid) at start-up only when the listener is on.
 */
public final class Hl7v2Beans {

    private static final Logger LOG = LoggerFactory.getLogger(Hl7v2Beans.class);
    /** A row claimed by a worker that stopped (a crash) is applied by another after this long. */
    public static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(5);

    private Hl7v2Beans() {
    }

    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean enabled, FhirContext fhir, PortalDatabase database,
            DataQualityLog dataQuality, AuditTrail audit, Clock clock) {
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.HL7V2_MLLP_ENABLED, String.valueOf(enabled));
        Registry registry = camel.getRegistry();
        MappingFileReader reader = new MappingFileReader(fhir, key -> camel.getPropertiesComponent().resolveProperty(key));
        Hl7v2Mappings mappings = new Hl7v2Mappings(settings.hl7v2MappingsDir(), reader, problem -> raiseAlert(database, problem, clock));
        if (enabled) {
            mappings.loadAll();
        }
        Hl7v2Inbox inbox = new Hl7v2Inbox(database, CLAIM_TIMEOUT);
        registry.bind("hl7v2Mappings", mappings);
        registry.bind("rescanHl7v2Mappings", new RescanHl7v2Mappings(mappings));
        registry.bind("acceptHl7v2Message", new AcceptHl7v2Message(new Hl7v2Reader(), mappings, new MapHl7v2Message(fhir), fhir, database,
                inbox, dataQuality, audit, clock));
        registry.bind("claimHl7v2Message", new ClaimHl7v2Message(inbox, fhir, clock));
        registry.bind("finishHl7v2Message", new FinishHl7v2Message(inbox, clock));
        registry.bind("listWaitingHl7v2Messages", new ListWaitingHl7v2Messages(inbox, clock));
    }

    /** The alert row for a rejected mapping version; the log line is the mappings' own. */
    private static void raiseAlert(PortalDatabase database, String problem, Clock clock) {
        try {
            database.inTransaction(connection -> AlertLog.insert(connection, clock.instant(), AlertKind.HL7V2_MAPPING_REJECTED, null,
                    problem, null));
        } catch (RuntimeException e) {
            LOG.warn("No alert row for a rejected HL7 v2 mapping ({})", e.getClass().getSimpleName());
        }
    }
}
