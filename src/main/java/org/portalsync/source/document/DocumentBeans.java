package org.portalsync.source.document;

import java.time.Clock;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.CamelContext;
import org.portalsync.audit.AuditTrail;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.source.hl7v2.Hl7v2Beans;
import org.portalsync.source.hl7v2.Hl7v2Mappings;
import org.portalsync.source.soap.MapSoapRecord;
import org.portalsync.validate.DataQualityLog;

/**
 * Binds the beans of routes/legacy-document-inbound.yaml. The document mappings live in the mapping folder beside the
 * HL7 v2 ones and are read, checked and reloaded with them ({@link Hl7v2Mappings}, bound by {@link Hl7v2Beans} first).
 */
public final class DocumentBeans {

    private DocumentBeans() {
    }

    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean enabled, FhirContext fhir, PortalDatabase database,
            DataQualityLog dataQuality, AuditTrail audit, Clock clock) {
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.DOCUMENT_ENABLED, String.valueOf(enabled));
        // the route reads the folder as given; relative to the home, like every other folder of the engine
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.DOCUMENT_DIR, settings.documentDir().toString());
        Hl7v2Mappings mappings = camel.getRegistry().lookupByNameAndType("hl7v2Mappings", Hl7v2Mappings.class);
        boolean read = camel.getPropertiesComponent().resolveProperty(Hl7v2Beans.MAPPINGS_ACTIVE).map(Boolean::parseBoolean).orElse(false);
        if (enabled && !read) {
            // every file must be valid at start-up, as for the HL7 v2 sources; then the folder's reload keeps them current
            mappings.loadAll();
            camel.getPropertiesComponent().addOverrideProperty(Hl7v2Beans.MAPPINGS_ACTIVE, "true");
        }
        camel.getRegistry().bind("readLegacyDocument", new ReadLegacyDocument(mappings, new MapSoapRecord(fhir), database, dataQuality, audit,
                clock));
    }
}
