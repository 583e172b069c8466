package org.portalsync.bootstrap;

import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.spi.Registry;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.io.CloseMode;
import org.portalsync.alert.ClaimDueDeadLetters;
import org.portalsync.alert.DeadLetterJournal;
import org.portalsync.alert.AlertLog;
import org.portalsync.alert.DeadLetterStore;
import org.portalsync.alert.ImportDeadLetterJournal;
import org.portalsync.alert.LogRetryAttempt;
import org.portalsync.alert.LogRunFailure;
import org.portalsync.alert.RecordDeadLetter;
import org.portalsync.alert.ResolveFailedRuns;
import org.portalsync.api.ApiBeans;
import org.portalsync.api.Http1OnlyVertx;
import org.portalsync.appointment.DeliverAppointment;
import org.portalsync.console.ConsoleBeans;
import org.portalsync.appointment.FacilityZones;
import org.portalsync.appointment.IncludeAppointmentParticipants;
import org.portalsync.appointment.MapAppointmentEntry;
import org.portalsync.appointment.MapFhirAppointment;
import org.portalsync.appointment.PortalAppointmentStore;
import org.portalsync.audit.AuditTrail;
import org.portalsync.auth.AccessTokenSource;
import org.portalsync.auth.ConfiguredTokenSource;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.authority.AuthorityFile;
import org.portalsync.portal.FieldConflictStore;
import org.portalsync.portal.MergeReplacedPatients;
import org.portalsync.source.fhir.EhrHttpClients;
import org.portalsync.source.hl7v2.CancelAtLegacyEhr;
import org.portalsync.source.hl7v2.Hl7v2Inbox;
import org.portalsync.source.hl7v2.SendHl7v2Message;
import org.portalsync.portal.PortalValueKept;
import org.portalsync.writeback.AcceptPatientChange;
import org.portalsync.writeback.AcceptAppointmentChange;
import org.portalsync.writeback.AcceptBooking;
import org.portalsync.writeback.AppointmentWriteBack;
import org.portalsync.writeback.ApplyPortalChange;
import org.portalsync.writeback.SearchFreeSlots;
import org.portalsync.writeback.InsuranceWriteBack;
import org.portalsync.writeback.GetPortalChange;
import org.portalsync.writeback.ServeAuthorityMatrix;
import org.portalsync.writeback.ShowPatientAuthority;
import org.portalsync.writeback.ListDuePortalChanges;
import org.portalsync.writeback.PortalChangeStore;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.config.UnknownSettings;
import org.portalsync.insurance.DeliverCoverage;
import org.portalsync.insurance.MapCoverageEntry;
import org.portalsync.insurance.MapFhirCoverage;
import org.portalsync.insurance.PortalInsuranceStore;
import org.portalsync.insurance.WriteInsuranceToCoverage;
import org.portalsync.mapping.MapFhirPatient;
import org.portalsync.mapping.MapToPortalPatient;
import org.portalsync.health.PollHistory;
import org.portalsync.mapping.PatientMappingSettings;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.portal.DeliverPortalPatient;
import org.portalsync.portal.InboxRetention;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PurgeProcessedInboxes;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.portal.ReportDryRunDifference;
import org.portalsync.portal.SyncHighWaterMarks;
import org.portalsync.portal.BulkExportJobs;
import org.portalsync.portal.SyncInitialLoads;
import org.portalsync.portal.SyncStatusStore;
import org.portalsync.source.fhir.AdvanceHighWaterMark;
import org.portalsync.source.fhir.CheckBulkExportStatus;
import org.portalsync.source.fhir.ChooseInitialLoadMethod;
import org.portalsync.source.fhir.DeleteBulkExport;
import org.portalsync.source.fhir.KickOffBulkExport;
import org.portalsync.source.fhir.ReadBulkExportLines;
import org.portalsync.source.fhir.FetchFhirPage;
import org.portalsync.source.fhir.FetchFhirResource;
import org.portalsync.source.fhir.FetchFhirResources;
import org.portalsync.source.fhir.FhirServerCapabilities;
import org.portalsync.source.fhir.FhirSourceClient;
import org.portalsync.source.fhir.ParseFhirEntry;
import org.portalsync.source.fhir.RecordNotFoundRead;
import org.portalsync.source.fhir.StartFhirDeletionSweep;
import org.portalsync.source.fhir.StartFhirSearchFeed;
import org.portalsync.source.fhir.TrackInitialLoad;
import org.portalsync.sync.CountSyncOutcome;
import org.portalsync.sync.DeliverPatientPage;
import org.portalsync.sync.FinishPoll;
import org.portalsync.sync.HoldForPage;
import org.portalsync.sync.OpenPage;
import org.portalsync.sync.RestoreHeldRecord;
import org.portalsync.sync.SkipOverlappingPoll;
import org.portalsync.sync.WaitForPatientInitialLoad;
import org.portalsync.validate.DataQualityLog;
import org.portalsync.validate.RecordMalformedResource;
import org.portalsync.welcome.MarkWelcomeSent;
import org.portalsync.welcome.RecordWelcomeFailure;
import org.portalsync.welcome.WelcomeOutbox;
import org.portalsync.welcome.WelcomePolicy;
import org.portalsync.observation.DeliverObservation;
import org.portalsync.source.document.DocumentBeans;
import org.portalsync.source.hl7v2.Hl7v2Beans;
import org.portalsync.source.soap.SoapBeans;
import org.portalsync.webhook.WebhookBeans;

/**
 * Builds the engine's beans from the validated settings and binds them by the names the route
 * files use. The one place where mechanisms are wired together; routes choreograph them.
 */
public final class PortalSyncBeans implements CamelConfiguration {

    /** Registry name of the engine's clock; absent, the system's UTC clock. */
    public static final String CLOCK = "portalSyncClock";

    private final String configFile;
    private final List<UnknownSettings.ConfiguredName> configuredNames;

    /**
     * @param configFile      the settings file, named in error messages
     * @param configuredNames every portal-sync name that was set (file, overrides, system properties, environment)
     */
    public PortalSyncBeans(String configFile, List<UnknownSettings.ConfiguredName> configuredNames) {
        this.configFile = configFile;
        this.configuredNames = List.copyOf(configuredNames);
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        PortalSyncSettings settings = new PortalSyncSettings(
                key -> camel.getPropertiesComponent().resolveProperty(key), configFile, configuredNames).validate();
        // tests bind a clock of their own under this name, to run hours of an outage in seconds
        Clock bound = camel.getRegistry().lookupByNameAndType(CLOCK, Clock.class);
        Clock clock = bound != null ? bound : Clock.systemUTC();
        Registry registry = camel.getRegistry();

        PortalDatabase database = PortalDatabase.open(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), settings.dbPoolSize(),
                settings.dbConnectionTimeout());
        camel.addService(new DatabaseCloser(database));
        registry.bind("portalDataSource", database.dataSource());
        SyncMetrics metrics = ObservabilityBeans.metrics(camel, database, clock);

        FileLockClusterService cluster = new FileLockClusterService();
        cluster.setRoot(settings.clusterLockDir().toString());
        cluster.setAcquireLockDelay(1, java.util.concurrent.TimeUnit.SECONDS);
        cluster.setAcquireLockInterval(2, java.util.concurrent.TimeUnit.SECONDS);
        camel.addService(cluster);

        FhirContext fhir = FhirContext.forR4Cached();
        AuditTrail audit = new AuditTrail(database);
        HttpClient http = httpClient(settings);
        AccessTokenSource tokens = ConfiguredTokenSource.of(settings, http, clock, audit);
        CloseableHttpClient ehrHttp = EhrHttpClients.pooled(settings.connectTimeout(), settings.readTimeout());
        camel.addService(new HttpClientCloser(ehrHttp));
        FhirSourceClient fhirClient = new FhirSourceClient(ehrHttp, settings.fhirBaseUrl(), tokens, audit, settings.auditActor(),
                settings.readTimeout(), settings.maxRetryAfter(), clock);
        // read now, at start-up: the poll's URLs and the deletion sweep depend on it
        FhirServerCapabilities capabilities = new FhirServerCapabilities(settings.fhirBaseUrl(), fhirClient, fhir);
        capabilities.check();
        PollHistory pollHistory = new PollHistory();
        ObservabilityBeans.healthChecks(camel, settings, database, http, tokens, audit, pollHistory, clock);
        SyncHighWaterMarks marks = new SyncHighWaterMarks(database, clock);
        PortalPatientStore patients = new PortalPatientStore(settings.zone());
        SyncStatusStore statuses = new SyncStatusStore();
        DataQualityLog dataQuality = new DataQualityLog();
        AuthorityRules authority = new AuthorityRules(AuthorityFile.load(settings.authorityFile()));
        registry.bind("authorityRules", authority);
        FieldConflictStore conflicts = new FieldConflictStore();
        AlertLog alertLog = new AlertLog(settings.duration(PortalSyncSettings.ALERT_WINDOW));
        DeadLetterStore deadLetters = new DeadLetterStore(database, statuses, settings.resyncInterval(), alertLog);
        DeadLetterJournal journal = new DeadLetterJournal(settings.journalDir(), clock);
        boolean dryRun = settings.dryRun();
        if (dryRun) {
            // a dry run sends no mail, whatever the welcome setting says: the route does not start
            camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.WELCOME_ENABLED, "false");
            // nor does it poll insurance: its report is of patients
            camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.INSURANCE_ENABLED, "false");
            camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.APPOINTMENTS_ENABLED, "false");
            camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.RECONCILIATION_ENABLED, "false");
        }
        SyncInitialLoads initialLoads = new SyncInitialLoads(database, clock);
        WelcomeOutbox welcomes = new WelcomeOutbox(new WelcomePolicy(
                settings.choice(PortalSyncSettings.WELCOME_INITIAL_LOAD, WelcomePolicy.InitialLoad.class),
                settings.positiveInt(PortalSyncSettings.WELCOME_MINOR_AGE),
                settings.choice(PortalSyncSettings.WELCOME_MINORS, WelcomePolicy.Minors.class),
                clock.withZone(settings.zone())), initialLoads, "Patient");

        ExecutorService syncWorkers = camel.getExecutorServiceManager().newFixedThreadPool(this, "sync-worker", settings.syncWorkers());
        registry.bind("syncWorkers", syncWorkers);
        registry.bind("startFhirSearchFeed", new StartFhirSearchFeed(settings.sourceName(), settings.fhirBaseUrl(), settings.pageSize(),
                settings.pollOverlap(), marks, dryRun, clock, capabilities, metrics));
        registry.bind("startFhirDeletionSweep", new StartFhirDeletionSweep(settings.sourceName(), settings.fhirBaseUrl(),
                settings.pageSize(), settings.pollOverlap(), marks, dryRun, capabilities));
        registry.bind("fetchFhirPage", new FetchFhirPage(fhirClient));
        // the routes' throttles count over portal-sync.source.fhir.throttle-window: the minute's budget scaled to it
        registry.bind("ehrRequestsPerThrottleWindow", settings.requestsPerThrottleWindow());
        registry.bind("fetchFhirPatient", new FetchFhirResource(settings.sourceName(), settings.fhirBaseUrl(), "Patient",
                MapFhirPatient.MAPPED_ELEMENTS, fhirClient, clock, capabilities));
        registry.bind("parseFhirPatient", new ParseFhirEntry(fhir, "Patient"));
        // the webhook inbox reads several resources of a type in one search (routes/webhook-inbox.yaml)
        registry.bind("fetchFhirResources", new FetchFhirResources(settings.fhirBaseUrl(), fhirClient, capabilities,
                Map.of("Patient", MapFhirPatient.MAPPED_ELEMENTS)));
        registry.bind("parseFhirEntry", new ParseFhirEntry(fhir, null));
        registry.bind("advanceHighWaterMark", new AdvanceHighWaterMark(settings.sourceName(), marks, dryRun));
        registry.bind("beginInitialLoad", TrackInitialLoad.begin(settings.sourceName(), initialLoads, dryRun));
        registry.bind("completeInitialLoad", TrackInitialLoad.complete(settings.sourceName(), initialLoads, dryRun));
        // the initial load by Bulk Data $export (routes/fhir-bulk-export.yaml)
        registry.bind("chooseInitialLoadMethod", new ChooseInitialLoadMethod(settings.sourceName(), settings.initialLoad(), initialLoads,
                marks, settings.pollOverlap(), capabilities));
        BulkExportJobs exportJobs = new BulkExportJobs(database);
        registry.bind("kickOffBulkExport", new KickOffBulkExport(settings.fhirBaseUrl(), settings.exportEndpoint(), fhirClient, exportJobs,
                settings.sourceName(), clock));
        registry.bind("checkBulkExportStatus", new CheckBulkExportStatus(fhirClient, exportJobs, settings.sourceName(), settings.exportMaxPollWait(),
                settings.exportTimeout(), clock));
        registry.bind("readBulkExportLines", new ReadBulkExportLines(fhirClient, settings.pageSize()));
        registry.bind("deleteBulkExport", new DeleteBulkExport(fhirClient, exportJobs, settings.sourceName()));
        registry.bind("countSyncOutcome", new CountSyncOutcome());
        registry.bind("skipOverlappingPoll", new SkipOverlappingPoll(clock));
        registry.bind("waitForPatientInitialLoad", new WaitForPatientInitialLoad(settings.sourceName(), initialLoads,
                dryRun ? Duration.ZERO : settings.dependentFeedWait(), clock));
        registry.bind("finishPoll", new FinishPoll(settings.dryRunReportDir(), clock, metrics, pollHistory));
        MapFhirPatient patientMapper = new MapFhirPatient(new PatientMappingSettings(settings.mrnSystem(), settings.defaultCountry()),
                clock.withZone(settings.zone()));
        registry.bind("mapToPortalPatient", new MapToPortalPatient(patientMapper));
        PortalChangeStore portalChanges = new PortalChangeStore(database);
        DeliverPortalPatient delivery = new DeliverPortalPatient(database, patients, statuses, dataQuality, audit, authority, deadLetters,
                settings.auditActor(), clock, welcomes, conflicts, settings.writeBackEnabled() ? portalChanges::requestWriteBack : PortalValueKept.NOTHING);
        registry.bind("deliverPortalPatient", dryRun ? new ReportDryRunDifference(database, patients, authority) : delivery);
        // the patient poll's pages: mapped records are held, then written in one transaction (routes/patient-sync.yaml)
        registry.bind("openPage", new OpenPage());
        registry.bind("holdForPage", new HoldForPage());
        registry.bind("deliverPatientPage", new DeliverPatientPage(database, delivery,
                !dryRun && settings.pageTransaction(), clock));
        registry.bind("restoreHeldRecord", new RestoreHeldRecord());
        registry.bind("portalChangeStore", portalChanges);
        registry.bind("listDuePortalChanges", new ListDuePortalChanges(portalChanges, clock));
        registry.bind("acceptPatientChange", new AcceptPatientChange(settings.sourceName(), database, portalChanges, authority, patientMapper, clock));
        registry.bind("getPortalChange", new GetPortalChange(database));
        registry.bind("showPatientAuthority", new ShowPatientAuthority(settings.sourceName(), database, patients, authority));
        registry.bind("serveAuthorityMatrix", new ServeAuthorityMatrix(authority));
        // insurance: routes/fhir-coverage-poll.yaml, routes/coverage-sync.yaml
        PortalInsuranceStore insurance = new PortalInsuranceStore();
        registry.bind("portalInsuranceStore", insurance);
        registry.bind("fetchFhirCoverage", new FetchFhirResource(settings.sourceName(), settings.fhirBaseUrl(), "Coverage", "", fhirClient,
                clock, capabilities));
        registry.bind("parseFhirCoverage", new ParseFhirEntry(fhir, "Coverage"));
        MapFhirCoverage coverageMapper = new MapFhirCoverage(settings.fhirBaseUrl(), settings.zone());
        registry.bind("mapCoverageEntry", new MapCoverageEntry(coverageMapper, fhir, database));
        DeliverCoverage coverageDelivery = new DeliverCoverage(database, patients, insurance, authority, conflicts, dataQuality, deadLetters, audit,
                settings.auditActor(), clock);
        registry.bind("deliverCoverage", coverageDelivery);
        // appointments: routes/fhir-appointment-poll.yaml, routes/appointment-sync.yaml
        registry.bind("fetchFhirAppointment", new FetchFhirResource(settings.sourceName(), settings.fhirBaseUrl(), "Appointment", "", fhirClient,
                clock, capabilities));
        registry.bind("parseFhirAppointment", new ParseFhirEntry(fhir, "Appointment"));
        registry.bind("includeAppointmentParticipants", new IncludeAppointmentParticipants(settings.fhirBaseUrl(), fhirClient));
        FacilityZones facilityZones = new FacilityZones(settings.zone(), settings.locationZones());
        MapFhirAppointment appointmentMapper = new MapFhirAppointment(settings.fhirBaseUrl(), facilityZones);
        MapAppointmentEntry appointmentMapping = new MapAppointmentEntry(appointmentMapper, fhir, database);
        registry.bind("mapAppointmentEntry", appointmentMapping);
        PortalAppointmentStore appointments = new PortalAppointmentStore();
        DeliverAppointment appointmentDelivery = new DeliverAppointment(database, patients, appointments, authority, conflicts,
                dataQuality, deadLetters, audit, settings.auditActor(), clock, settings.appointmentRealtimeFields());
        registry.bind("deliverAppointment", appointmentDelivery);
        // results from legacy sources (routes/observation-sync.yaml)
        registry.bind("deliverObservation", new DeliverObservation(database, patients, deadLetters, audit, settings.auditActor(),
                settings.zone().getId(), clock));
        // merges (HL7 v2 A40): routes/patient-sync.yaml; a dry run writes nothing
        registry.bind("mergeReplacedPatients", dryRun ? (Processor) exchange -> { } : new MergeReplacedPatients(database, patients, appointments,
                dataQuality, audit, settings.auditActor(), clock));
        ReconciliationBeans.bind(registry, settings, database, fhir, appointmentMapping, appointments, authority, clock);
        // a dry run writes nothing: its routes/portal-change-write-back.yaml does not start
        ApplyPortalChange.Settings writeBackSettings = new ApplyPortalChange.Settings(settings.sourceName(),
                    settings.fhirBaseUrl(), settings.writeBackEnabled(), settings.positiveInt(PortalSyncSettings.WRITE_BACK_MAX_ATTEMPTS),
                    settings.positiveInt(PortalSyncSettings.WRITE_BACK_MAX_CONFLICT_RETRIES), settings.duration(PortalSyncSettings.WRITE_BACK_INTERVAL),
                    settings.patientMessage(PortalSyncSettings.MESSAGE_CHANGE_FAILED),
                    settings.patientMessage(PortalSyncSettings.MESSAGE_INSURANCE_CHANGE_FAILED),
                    settings.patientMessage(PortalSyncSettings.MESSAGE_CHANGE_SUPERSEDED));
        // appointment changes from the portal: routes/api-appointment-changes.yaml, then the same write-back route
        AppointmentWriteBack.Messages appointmentMessages = new AppointmentWriteBack.Messages(
                settings.patientMessage(PortalSyncSettings.MESSAGE_APPOINTMENT_CANCEL_FAILED),
                settings.patientMessage(PortalSyncSettings.MESSAGE_APPOINTMENT_RESCHEDULE_FAILED),
                settings.patientMessage(PortalSyncSettings.MESSAGE_APPOINTMENT_BOOKING_FAILED), settings.patientMessage(PortalSyncSettings.MESSAGE_SLOT_TAKEN),
                settings.patientMessage(PortalSyncSettings.MESSAGE_CHANGE_SUPERSEDED), settings.raw(PortalSyncSettings.APPOINTMENTS_BOOKING_STATUS));
        // a legacy HL7 v2 EHR's appointments: a portal cancellation goes to it as SIU^S15 (README "Cancelling a legacy EHR's appointment")
        boolean legacyOutbound = settings.bool(PortalSyncSettings.HL7V2_OUTBOUND_ENABLED);
        CancelAtLegacyEhr legacyCancel = new CancelAtLegacyEhr(settings.raw(PortalSyncSettings.HL7V2_OUTBOUND_SOURCE), legacyOutbound, database,
                new Hl7v2Inbox(database, Hl7v2Beans.CLAIM_TIMEOUT), new SendHl7v2Message(settings.raw(PortalSyncSettings.HL7V2_OUTBOUND_HOST),
                        settings.positiveInt(PortalSyncSettings.HL7V2_OUTBOUND_PORT), settings.duration(PortalSyncSettings.HL7V2_OUTBOUND_TIMEOUT)),
                fhir, clock);
        registry.bind("acceptAppointmentChange", new AcceptAppointmentChange(settings.sourceName(),
                legacyOutbound ? settings.raw(PortalSyncSettings.HL7V2_OUTBOUND_SOURCE) : null, database, portalChanges, authority, clock));
        registry.bind("acceptBooking", new AcceptBooking(settings.sourceName(), database, portalChanges, clock));
        registry.bind("searchFreeSlots", new SearchFreeSlots(settings.sourceName(), settings.fhirBaseUrl(), fhirClient, fhir, facilityZones, clock));
        registry.bind("applyPortalChange", new ApplyPortalChange(writeBackSettings,
                    database, patients, portalChanges, authority, conflicts, audit, fhirClient, fhir, patientMapper, delivery,
                    new InsuranceWriteBack(writeBackSettings, database, insurance, portalChanges, authority, conflicts, audit, fhirClient, fhir,
                            coverageMapper, new WriteInsuranceToCoverage(settings.zone()), coverageDelivery, clock),
                    new AppointmentWriteBack(writeBackSettings, appointmentMessages, database, appointments, portalChanges, authority, conflicts,
                            dataQuality, audit, fhirClient, fhir, appointmentMapper, appointmentDelivery, legacyCancel, clock), clock));
        registry.bind("recordMalformedResource", new RecordMalformedResource(database, dataQuality, statuses, clock));
        registry.bind("recordDeadLetter", new RecordDeadLetter(deadLetters, journal, fhir, metrics, clock));
        registry.bind("resolveFailedPolls", new ResolveFailedRuns(deadLetters, List.of("fhir-patient-poll", "fhir-patient-poll-feed", "fhir-bulk-export"),
                dryRun, clock));
        registry.bind("resolveFailedCoveragePolls", new ResolveFailedRuns(deadLetters, List.of("fhir-coverage-poll", "fhir-coverage-poll-feed"),
                dryRun, clock));
        registry.bind("claimDueCoverageDeadLetters", new ClaimDueDeadLetters(deadLetters, settings.sourceName(), "Coverage",
                settings.resyncInterval(), settings.resyncMaxAttempts(), clock));
        registry.bind("resolveFailedAppointmentPolls", new ResolveFailedRuns(deadLetters,
                List.of("fhir-appointment-poll", "fhir-appointment-poll-feed"), dryRun, clock));
        registry.bind("claimDueAppointmentDeadLetters", new ClaimDueDeadLetters(deadLetters, settings.sourceName(), "Appointment",
                settings.resyncInterval(), settings.resyncMaxAttempts(), clock));
        registry.bind("importDeadLetterJournal", new ImportDeadLetterJournal(journal, deadLetters));
        registry.bind("claimDueDeadLetters", new ClaimDueDeadLetters(deadLetters, settings.sourceName(), "Patient",
                settings.resyncInterval(), settings.resyncMaxAttempts(), clock));
        registry.bind("logRetryAttempt", new LogRetryAttempt());
        registry.bind("recordNotFoundRead", new RecordNotFoundRead(database, dataQuality, statuses, settings.notFoundAlertThreshold(),
                settings.notFoundAlertWindow(), clock));
        registry.bind("purgeProcessedInboxes", dryRun ? (Processor) exchange -> exchange.getMessage().setBody("A dry run purges no inbox rows")
                : new PurgeProcessedInboxes(new InboxRetention(database), settings.inboxRetention(), clock));
        registry.bind("logInboxRetentionFailure", new LogRunFailure("portal-sync.retention",
                "The nightly inbox purge failed; the next one deletes what this one left"));
        registry.bind("markWelcomeSent", new MarkWelcomeSent(database, clock));
        registry.bind("recordWelcomeFailure", new RecordWelcomeFailure(database, settings.positiveInt(PortalSyncSettings.WELCOME_MAX_ATTEMPTS), clock));
        // the Vert.x of the engine's HTTP servers, without the h2c upgrade (before any server is made)
        Http1OnlyVertx.bind(camel);
        // the engine's HTTP API (routes/portal-api.yaml, routes/api-*.yaml)
        ApiBeans.bind(camel, settings, dryRun, database, audit, deadLetters, clock);
        // notifications the EHR pushes (routes/webhooks.yaml, routes/webhook-inbox.yaml, routes/fhir-subscription-watch.yaml)
        WebhookBeans.bind(camel, settings, settings.apiEnabled() && !dryRun, database, clock);
        AlertBeans.bind(camel, settings, database, http, clock);
        // metrics and health on their own port (README "Metrics and health"); a dry run opens none
        ObservabilityBeans.serve(camel, settings, !dryRun);
        // HL7 v2 from legacy EHRs (routes/hl7v2-mllp-inbound.yaml, routes/hl7v2-file-inbound.yaml): never in a dry run, which
        // must not acknowledge anything or move a sender's files
        Hl7v2Beans.bind(camel, settings, settings.bool(PortalSyncSettings.HL7V2_MLLP_ENABLED) && !dryRun,
                settings.bool(PortalSyncSettings.HL7V2_FILE_ENABLED) && !dryRun, fhir, database, dataQuality, audit, deadLetters, clock);
        // legacy JSON and XML document files (routes/legacy-document-inbound.yaml), mapped by the mapping folder read above
        DocumentBeans.bind(camel, settings, settings.bool(PortalSyncSettings.DOCUMENT_ENABLED) && !dryRun, fhir, database, dataQuality, audit,
                clock);
        // the legacy SOAP patient service (routes/soap-patient-poll.yaml)
        SoapBeans.bind(camel, settings, settings.bool(PortalSyncSettings.SOAP_ENABLED) && !dryRun, fhir, database, dataQuality, clock);
        // the operator console on the API's server (routes/console*.yaml): after the beans whose state it shows
        ConsoleBeans.bind(camel, settings, settings.apiEnabled() && !dryRun, database, audit, authority, patients, clock);
    }

    private static HttpClient httpClient(PortalSyncSettings settings) throws Exception {
        SSLParameters tls = SSLContext.getDefault().getDefaultSSLParameters();
        tls.setProtocols(EhrHttpClients.TLS_PROTOCOLS.toArray(String[]::new));
        return HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslParameters(tls)
                .build();
    }

    /** Closes the EHR connections when Camel stops, after the routes. */
    private record HttpClientCloser(CloseableHttpClient http) implements org.apache.camel.Service {
        @Override
        public void start() {
            // opened on creation
        }

        @Override
        public void stop() {
            http.close(CloseMode.GRACEFUL);
        }
    }

    /** Closes the pool when Camel stops, after the routes. */
    private record DatabaseCloser(PortalDatabase database) implements org.apache.camel.Service {
        @Override
        public void start() {
            // opened on creation
        }

        @Override
        public void stop() {
            database.close();
        }
    }
}
