package org.portalsync.source.hl7v2;

import java.time.Clock;
import java.time.Duration;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.alert.AlertLog;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.validate.DataQualityLog;

/**
 * Binds the beans of the HL7 v2 routes ({@code routes/hl7v2-mllp-inbound.yaml}, {@code routes/hl7v2-file-inbound.yaml})
 * by the names they use. The mapping files are read (and must all be valid) at start-up only when the listener or
 * the file drop is on; either needs the shared inbox routes, which run when {@link #INBOX_ACTIVE} is true.
 */
public final class Hl7v2Beans {

    /**
     * Derived, not a setting: true when the MLLP listener or the file drop is on, so that the inbox, its sweep and the
     * mapping reload run for either.
     */
    public static final String INBOX_ACTIVE = "portal-sync.source.hl7v2.inbox-active";
    /**
     * Derived, not a setting: true when anything reads the mapping folder (the HL7 v2 inbox, or the legacy document
     * files, {@code DocumentBeans}), so that the folder's reload runs.
     */
    public static final String MAPPINGS_ACTIVE = "portal-sync.source.hl7v2.mappings-active";
    /** A row claimed by a worker that stopped (a crash) is applied by another after this long. */
    public static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(5);

    private Hl7v2Beans() {
    }

    /**
     * @param mllp  whether the MLLP listener runs
     * @param files whether the file drop runs
     */
    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean mllp, boolean files, FhirContext fhir,
            PortalDatabase database, DataQualityLog dataQuality, AuditTrail audit, DeadLetterStore deadLetters, Clock clock) {
        boolean enabled = mllp || files;
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.HL7V2_MLLP_ENABLED, String.valueOf(mllp));
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.HL7V2_FILE_ENABLED, String.valueOf(files));
        camel.getPropertiesComponent().addOverrideProperty(INBOX_ACTIVE, String.valueOf(enabled));
        camel.getPropertiesComponent().addOverrideProperty(MAPPINGS_ACTIVE, String.valueOf(enabled));
        // the route reads the folder as given; relative to the home, like every other folder of the engine
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.HL7V2_FILE_DIR, settings.hl7v2FileDir().toString());
        Registry registry = camel.getRegistry();
        MappingFileReader reader = new MappingFileReader(fhir, key -> camel.getPropertiesComponent().resolveProperty(key));
        Hl7v2Mappings mappings = new Hl7v2Mappings(settings.hl7v2MappingsDir(), reader, problem -> AlertLog.raise(database, clock.instant(),
                AlertKind.HL7V2_MAPPING_REJECTED, problem));
        if (enabled) {
            mappings.loadAll();
        }
        Hl7v2Inbox inbox = new Hl7v2Inbox(database, CLAIM_TIMEOUT);
        registry.bind("hl7v2Mappings", mappings);
        registry.bind("rescanHl7v2Mappings", new RescanHl7v2Mappings(mappings));
        Hl7v2Intake intake = new Hl7v2Intake(new Hl7v2Reader(), mappings, new MapHl7v2Message(fhir), fhir, inbox, dataQuality, audit,
                database);
        Hl7v2InboxWriter writer = new Hl7v2InboxWriter(intake, database);
        try {
            // started and stopped with the engine
            camel.addService(writer, true, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HL7 v2 inbox writer", e);
        }
        registry.bind("hl7v2InboxWriter", writer);
        registry.bind("acceptHl7v2Message", new AcceptHl7v2Message(intake, writer, audit, clock));
        registry.bind("acceptHl7v2File", new AcceptHl7v2File(intake, database, audit, settings.hl7v2FileCharset(), clock));
        registry.bind("claimHl7v2Message", new ClaimHl7v2Message(inbox, mappings, fhir, clock));
        registry.bind("finishHl7v2Message", new FinishHl7v2Message(inbox, clock));
        registry.bind("listWaitingHl7v2Messages", new ListWaitingHl7v2Messages(inbox, clock));
        registry.bind("reopenHl7v2Message", new ReopenHl7v2Message(inbox));
        registry.bind("reopenDeadLetteredHl7v2Messages", new ReopenDeadLetteredHl7v2Messages(deadLetters, inbox, settings.resyncInterval(),
                settings.resyncMaxAttempts(), clock));
    }
}
