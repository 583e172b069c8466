package org.portalsync.source.soap;

import java.time.Clock;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertLog;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.source.hl7v2.MappingFileReader;
import org.portalsync.validate.DataQualityLog;

/** Binds the beans of routes/soap-patient-poll.yaml by the names it uses. */
public final class SoapBeans {

    private SoapBeans() {
    }

    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean enabled, FhirContext fhir, PortalDatabase database,
            DataQualityLog dataQuality, Clock clock) {
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.SOAP_ENABLED, String.valueOf(enabled));
        Registry registry = camel.getRegistry();
        MappingFileReader reader = new MappingFileReader(fhir, key -> camel.getPropertiesComponent().resolveProperty(key));
        // a service that takes ChangedSince: each poll asks for what changed since the mark kept in the portal DB
        SyncHighWaterMarks marks = settings.bool(PortalSyncSettings.SOAP_CHANGED_SINCE) ? new SyncHighWaterMarks(database, clock) : null;
        SoapMappings mappings = new SoapMappings(reader, problem -> AlertLog.raise(database, clock.instant(), AlertKind.SOAP_MAPPING_REJECTED,
                problem));
        registry.bind("startSoapPoll", new StartSoapPoll(mappings, settings.soapMapping(), settings.soapAppointmentMapping(), marks,
                settings.duration(PortalSyncSettings.SOAP_CHANGED_SINCE_OVERLAP), settings.duration(PortalSyncSettings.SOAP_FULL_READ_INTERVAL),
                clock));
        SoapDeletionLimit limit = new SoapDeletionLimit(settings.positiveInt(PortalSyncSettings.SOAP_DELETIONS_MAX_PERCENT), database, clock);
        registry.bind("listSoapPatientsGone", new ListSoapPatientsGone(database, settings.bool(PortalSyncSettings.SOAP_DELETIONS), limit));
        registry.bind("listSoapAppointmentsGone", new ListSoapAppointmentsGone(database, settings.bool(PortalSyncSettings.SOAP_DELETIONS), limit,
                clock));
        registry.bind("advanceSoapMark", new AdvanceSoapMark(marks));
        registry.bind("buildSoapRequest", new BuildSoapRequest(settings.raw(PortalSyncSettings.SOAP_USERNAME), enabled ? settings.soapPassword()
                : "", settings.positiveInt(PortalSyncSettings.SOAP_PAGE_SIZE)));
        registry.bind("readSoapPage", new ReadSoapPage(new MapSoapRecord(fhir), settings.positiveInt(PortalSyncSettings.SOAP_MAX_PAGES), database,
                dataQuality, clock));
        registry.bind("prepareSoapRecord", new PrepareSoapRecord());
    }
}
