package org.portalsync.sandbox;

import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.JpaSystemProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.interceptor.AdditionalRequestHeadersInterceptor;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.h2.jdbcx.JdbcConnectionPool;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Coverage;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * A real HAPI FHIR JPA R4 server (H2, embedded Jetty) standing in for a practice's EHR, with a
 * local OAuth2 client-credentials token endpoint in front of it. Tests and the demo talk to it
 * over HTTP exactly as the engine talks to a production EHR; only {@link #adminClient()},
 * {@link #seedPatients}, {@link #seedCoverages} and {@link #seedAppointments} take a side door, so test set-up
 * never depends on the auth under test.
 *
 * <p>Endpoints, all on 127.0.0.1: {@code /fhir} (FHIR R4, bearer token required; its
 * {@code .well-known/smart-configuration} is public) and {@code /auth/token} (client_secret_basic,
 * client_secret_post, or private_key_jwt for clients registered with {@link #registerBackendService}).
 *
 * <p>Storage: H2 in memory by default, which costs about 25 KB of heap per stored patient, so a
 * 2 GB test heap holds a few tens of thousands. For 100,000-patient runs start the JVM with
 * {@code -Dsandbox.ehr.storage=file}: the same H2 on disk in a temp directory (under
 * {@code target/} when run from the project), deleted on close; heap stays flat, seeding is
 * roughly 1.5x slower.
 */
public final class SandboxEhr implements AutoCloseable {

    /** Meta tag system {@link #seedPatients} and {@link #seedCoverages} stamp on every resource, code {@code seed-<randomSeed>}. */
    public static final String SEED_TAG_SYSTEM = "urn:portal-sync:sandbox:seed";

    /** System property selecting H2 storage: {@code mem} (default) or {@code file}. */
    public static final String STORAGE_PROPERTY = "sandbox.ehr.storage";

    private static final Logger LOG = LoggerFactory.getLogger(SandboxEhr.class);
    private static final String CLIENT_ID = "portal-sync";
    private static final String CLIENT_SECRET = "sandbox-client-secret-not-for-production";
    private static final int SEED_BATCH_SIZE = 500;
    /** Heap one stored patient costs in the in-memory database (measured ~22-28 KB with HAPI's indexes). */
    private static final long HEAP_PER_PATIENT = 30_000;
    private static final long HEAP_RESERVE = 384L * 1024 * 1024;
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** How often the sandbox runs batch2's maintenance pass, which moves a bulk export from step to step. */
    private static final long BATCH_MAINTENANCE_MILLIS = 500;
    private static SandboxEhr shared;

    private final JdbcConnectionPool database;
    private final Path databaseDir;
    private final AnnotationConfigApplicationContext spring;
    private final Server jetty;
    private final SandboxAuth auth;
    private final String baseUrl;
    private final IFhirSystemDao<Bundle, Meta> systemDao;
    private final IGenericClient adminClient;
    private final ScheduledExecutorService batchMaintenance;

    private SandboxEhr(JdbcConnectionPool database, Path databaseDir, AnnotationConfigApplicationContext spring,
            Server jetty, SandboxAuth auth, String baseUrl, ScheduledExecutorService batchMaintenance) {
        this.batchMaintenance = batchMaintenance;
        this.database = database;
        this.databaseDir = databaseDir;
        this.spring = spring;
        this.jetty = jetty;
        this.auth = auth;
        this.baseUrl = baseUrl;
        @SuppressWarnings("unchecked")
        IFhirSystemDao<Bundle, Meta> dao = spring.getBean(IFhirSystemDao.class);
        this.systemDao = dao;
        // The server's own context, not FhirContext.forR4Cached(): the settings below must not
        // leak into the JVM-wide cached context the engine under test may use.
        FhirContext clientContext = spring.getBean(FhirContext.class);
        clientContext.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        clientContext.getRestfulClientFactory().setSocketTimeout(120_000);
        this.adminClient = clientContext.newRestfulGenericClient(fhirBaseUrl());
        AdditionalRequestHeadersInterceptor adminHeader = new AdditionalRequestHeadersInterceptor();
        adminHeader.addHeaderValue(SandboxAuth.ADMIN_HEADER, auth.adminSecret());
        this.adminClient.registerInterceptor(adminHeader);
    }

    /**
     * The sandbox every test in this JVM shares: starting HAPI's JPA stack costs 10-20 s and about
     * 200 MB of heap, so it happens once. Tests isolate their data by seed tag
     * ({@link #SEED_TAG_SYSTEM}) or by the ids they created, and must restore any auth setting
     * they change. {@link #close()} on it does nothing; a JVM shutdown hook stops it.
     */
    public static synchronized SandboxEhr shared() {
        if (shared == null) {
            SandboxEhr started = start(0);
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "sandbox-ehr-shutdown"));
            shared = started;
        }
        return shared;
    }

    /**
     * Starts a private sandbox, for the demo or a test that must own the whole server.
     *
     * @param port TCP port on 127.0.0.1, or 0 for a free one
     */
    public static SandboxEhr start(int port) {
        long started = System.nanoTime();
        int instance = INSTANCES.incrementAndGet();
        Path databaseDir = "file".equals(System.getProperty(STORAGE_PROPERTY)) ? createDatabaseDir() : null;
        // DB_CLOSE_ON_EXIT=FALSE: our own shutdown hook closes the database after Jetty and HAPI stop.
        String url = databaseDir == null
                ? "jdbc:h2:mem:sandbox-ehr-" + instance + ";DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE"
                : "jdbc:h2:file:" + databaseDir.resolve("ehr").toAbsolutePath() + ";CACHE_SIZE=65536;DB_CLOSE_ON_EXIT=FALSE";
        JdbcConnectionPool database = JdbcConnectionPool.create(url, "sa", "");
        database.setMaxConnections(20);
        AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext();
        Server jetty = null;
        ScheduledExecutorService batchMaintenance = null;
        try {
            spring.getBeanFactory().registerSingleton("dataSource", database);
            spring.register(SandboxJpaConfig.class);
            spring.refresh();

            SandboxAuth auth = new SandboxAuth(CLIENT_ID, CLIENT_SECRET);
            QueuedThreadPool threads = new QueuedThreadPool(32, 4);
            threads.setName("sandbox-ehr-" + instance);
            threads.setDaemon(true);
            jetty = new Server(threads);
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost("127.0.0.1");
            connector.setPort(port);
            jetty.addConnector(connector);

            ServletContextHandler context = new ServletContextHandler();
            context.setContextPath("/");
            context.addServlet(new ServletHolder("fhir", restfulServer(spring)), "/fhir/*");
            context.addServlet(new ServletHolder("token", auth.tokenServlet()), "/auth/token");
            context.addServlet(new ServletHolder("smart-configuration", auth.smartConfigurationServlet()),
                    SandboxAuth.SMART_CONFIGURATION_PATH);
            context.addFilter(new FilterHolder(auth.bearerFilter()), "/fhir/*", EnumSet.of(DispatcherType.REQUEST));
            jetty.setHandler(context);
            jetty.start();
            batchMaintenance = startBatchMaintenance(spring.getBean(IJobMaintenanceService.class), instance);

            SandboxEhr ehr = new SandboxEhr(database, databaseDir, spring, jetty, auth,
                    "http://127.0.0.1:" + connector.getLocalPort(), batchMaintenance);
            auth.setTokenUrl(ehr.tokenUrl());
            LOG.info("Sandbox EHR up at {} ({} H2) in {} ms", ehr.fhirBaseUrl(),
                    databaseDir == null ? "in-memory" : "file", (System.nanoTime() - started) / 1_000_000);
            return ehr;
        } catch (Exception e) {
            if (batchMaintenance != null) {
                batchMaintenance.shutdownNow();
            }
            stopQuietly(jetty);
            spring.close();
            shutdownDatabase(database, databaseDir);
            throw new IllegalStateException("sandbox EHR failed to start on port " + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * HAPI's scheduler is off in the sandbox ({@link SandboxJpaConfig}), so it runs batch2's maintenance pass
     * itself, as HAPI's scheduler would: that pass is what moves a bulk export job from step to step to COMPLETE.
     */
    private static ScheduledExecutorService startBatchMaintenance(IJobMaintenanceService maintenance, int instance) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sandbox-ehr-" + instance + "-batch2");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(maintenance::runMaintenancePass, BATCH_MAINTENANCE_MILLIS, BATCH_MAINTENANCE_MILLIS,
                TimeUnit.MILLISECONDS);
        return executor;
    }

    private static RestfulServer restfulServer(AnnotationConfigApplicationContext spring) {
        FhirContext fhirContext = spring.getBean(FhirContext.class);
        RestfulServer server = new RestfulServer(fhirContext);
        server.registerProviders(spring.getBean(ResourceProviderFactory.class).createProviders());
        server.registerProvider(spring.getBean(JpaSystemProvider.class));
        // FHIR Bulk Data $export (system, Patient and Group level), run by HAPI's batch2 export job
        server.registerProvider(spring.getBean(BulkDataExportProvider.class));
        @SuppressWarnings("rawtypes")
        IFhirSystemDao systemDao = spring.getBean(IFhirSystemDao.class);
        server.setServerConformanceProvider(new JpaCapabilityStatementProvider(server, systemDao,
                spring.getBean(JpaStorageSettings.class), spring.getBean(ISearchParamRegistry.class),
                spring.getBean(IValidationSupport.class)));
        DatabaseBackedPagingProvider paging = spring.getBean(DatabaseBackedPagingProvider.class);
        paging.setDefaultPageSize(20);
        paging.setMaximumPageSize(1000);
        server.setPagingProvider(paging);
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        return server;
    }

    /** Resources per NDJSON file of a bulk export ({@code $export}): an export of more comes in several files. */
    public static int bulkExportFileCapacity() {
        return SandboxJpaConfig.BULK_EXPORT_FILE_CAPACITY;
    }

    /** FHIR base, e.g. {@code http://127.0.0.1:PORT/fhir}; every request needs a bearer token. */
    public String fhirBaseUrl() {
        return baseUrl + "/fhir";
    }

    /** OAuth2 token endpoint ({@code grant_type=client_credentials}). */
    public String tokenUrl() {
        return baseUrl + "/auth/token";
    }

    /** The one registered client; fixed so configs and the demo can name it. */
    public String clientId() {
        return CLIENT_ID;
    }

    /** Fixed sandbox secret; it protects nothing but a throwaway database. */
    public String clientSecret() {
        return CLIENT_SECRET;
    }

    /**
     * Registers a backend-service client ({@code private_key_jwt}) with the public JWKS its operator handed over, as
     * an EHR's app registration does; registering the same id again replaces its keys (a rotation).
     */
    public void registerBackendService(String clientId, com.nimbusds.jose.jwk.JWKSet publicKeys) {
        auth.registerBackendClient(clientId, publicKeys);
    }

    /**
     * One client assertion the token endpoint accepted: its header's kid and alg, its claims' times and jti, and the scope
     * the token request asked for.
     */
    public record ClientAssertion(String keyId, String algorithm, Instant issuedAt, Instant expiresAt, String jwtId, String scope) {
    }

    /** The assertions of this backend-service client the token endpoint accepted, oldest first. */
    public List<ClientAssertion> acceptedAssertions(String clientId) {
        return auth.acceptedAssertions(clientId);
    }

    /** Invalidates every token issued so far, as if they all expired mid-sync. */
    public void expireAllTokens() {
        auth.expireAll();
    }

    /** Lifetime (and {@code expires_in}) of tokens issued from now on; default 3600. */
    public void setTokenLifetimeSeconds(int seconds) {
        auth.setLifetimeSeconds(seconds);
    }

    /** Tokens issued since start, so tests can assert the engine reuses its token. */
    public int tokensIssued() {
        return auth.tokensIssued();
    }

    /**
     * A HAPI client that skips the token check (it sends a per-instance admin secret header), for
     * test set-up: seeding, updating, deleting. Never hand it to the engine under test.
     */
    public IGenericClient adminClient() {
        return adminClient;
    }

    /** A patient as seeded: its logical id, the {@code meta.lastUpdated} the EHR stamped on it, and its generator defect. */
    public record SeededPatient(String id, Instant lastUpdated, SandboxPatientGenerator.Defect defect) {
    }

    /**
     * Creates {@code count} patients from {@link SandboxPatientGenerator} with this seed, in
     * transaction bundles of 500, each tagged {@link #SEED_TAG_SYSTEM}|{@code seed-<randomSeed>}.
     * Writes go straight to HAPI's system DAO (a real FHIR transaction, same indexing and history
     * as over HTTP) to skip JSON round trips. Use a different seed per test: MRNs repeat per seed.
     * All patients of one bundle share one {@code meta.lastUpdated}; see {@link #seedPatientsOneByOne}.
     *
     * @return the server-assigned logical ids, in generation order
     * @throws IllegalStateException if an in-memory sandbox would run the heap out; the message
     *     names the system property that moves it to disk
     */
    public List<String> seedPatients(int count, long randomSeed) {
        return seedPatients(count, randomSeed, SandboxPatientGenerator.DefectRates.SANDBOX);
    }

    /** As {@link #seedPatients(int, long)}, with the defects drawn at these rates (e.g. a practice's, for the benchmark). */
    public List<String> seedPatients(int count, long randomSeed, SandboxPatientGenerator.DefectRates rates) {
        return seed(count, randomSeed, SEED_BATCH_SIZE, rates).stream().map(SeededPatient::id).toList();
    }

    /** As {@link #seedPatients(int, long, SandboxPatientGenerator.DefectRates)}, returning each patient's defect too. */
    public List<SeededPatient> seedPatientsWithDefects(int count, long randomSeed, SandboxPatientGenerator.DefectRates rates) {
        return seed(count, randomSeed, SEED_BATCH_SIZE, rates);
    }

    /**
     * As {@link #seedPatients}, but each patient in a transaction of its own, started only once the
     * clock has passed the previous one's: every patient gets its own {@code meta.lastUpdated},
     * strictly increasing in generation order (HAPI stamps one instant per transaction, in
     * milliseconds). So a search sorted by {@code _lastUpdated} returns them in this order, and a
     * test can tell from these results alone where a high-water mark must stand. About 10 ms a patient.
     *
     * @return the patients in generation order
     */
    public List<SeededPatient> seedPatientsOneByOne(int count, long randomSeed) {
        return seed(count, randomSeed, 1, SandboxPatientGenerator.DefectRates.SANDBOX);
    }

    private List<SeededPatient> seed(int count, long randomSeed, int batchSize, SandboxPatientGenerator.DefectRates rates) {
        checkHeapFor(count);
        SandboxPatientGenerator generator = new SandboxPatientGenerator(randomSeed, rates);
        List<SeededPatient> seeded = new ArrayList<>(count);
        while (seeded.size() < count) {
            int batch = Math.min(batchSize, count - seeded.size());
            List<Patient> patients = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                patients.add(generator.next());
            }
            // One writer: measured, two parallel transactions were slower on H2 than one.
            List<Stored> stored = create(patients, randomSeed, seeded.size());
            for (int i = 0; i < stored.size(); i++) {
                seeded.add(new SeededPatient(stored.get(i).id(), stored.get(i).lastUpdated(),
                        SandboxPatientGenerator.defectOf(patients.get(i))));
            }
            if (batchSize == 1) {
                awaitClockPast(seeded.get(seeded.size() - 1).lastUpdated());
            }
        }
        return Collections.unmodifiableList(seeded);
    }

    /** A Coverage as seeded: its logical id, its patient, the {@code meta.lastUpdated} the EHR stamped on it, and its generator defect. */
    public record SeededCoverage(String id, String patientId, Instant lastUpdated, SandboxCoverageGenerator.Defect defect) {
    }

    /**
     * Creates one Coverage from {@link SandboxCoverageGenerator} with this seed for each of these patients (which
     * must exist: HAPI checks the beneficiary reference), tagged {@link #SEED_TAG_SYSTEM}|{@code seed-<randomSeed>}.
     * As {@link #seedPatientsOneByOne}, each in a transaction of its own once the clock has passed the previous
     * one's, so every Coverage has its own {@code meta.lastUpdated}, strictly increasing in this order.
     *
     * @return the Coverages in the order of {@code patientIds}
     */
    public List<SeededCoverage> seedCoverages(List<String> patientIds, long randomSeed) {
        SandboxCoverageGenerator generator = new SandboxCoverageGenerator(randomSeed);
        List<SeededCoverage> seeded = new ArrayList<>(patientIds.size());
        for (String patientId : patientIds) {
            Coverage coverage = generator.next(patientId);
            Stored stored = create(List.of(coverage), randomSeed, seeded.size()).get(0);
            seeded.add(new SeededCoverage(stored.id(), patientId, stored.lastUpdated(), SandboxCoverageGenerator.defectOf(coverage)));
            awaitClockPast(stored.lastUpdated());
        }
        return Collections.unmodifiableList(seeded);
    }

    /** An Appointment as seeded: its logical id, its patient (null without one), its {@code meta.lastUpdated} and its kind. */
    public record SeededAppointment(String id, String patientId, Instant lastUpdated, SandboxAppointmentGenerator.Kind kind) {
    }

    /** What {@link #seedAppointments} created: the appointments in creation order, and the practitioners and locations they name. */
    public record SeededSchedule(List<SeededAppointment> appointments, List<String> practitionerIds, List<String> locationIds) {

        public List<SeededAppointment> ofKind(SandboxAppointmentGenerator.Kind kind) {
            return appointments.stream().filter(a -> a.kind() == kind).toList();
        }
    }

    /**
     * Creates {@link SandboxAppointmentGenerator}'s practitioners and locations, then one {@code BOOKED} appointment for
     * each of these patients (which must exist), then one of each other kind: {@code CANCELLED} and
     * {@code ENTERED_IN_ERROR} for the first two patients, {@code PATIENT_NOT_IN_SCOPE} for a valid patient created
     * here outside the seed's tag (the patient poll does not see it), {@code NO_PATIENT}, and {@code DST_GAP_LOCAL_TIME}
     * for the third patient. All tagged {@link #SEED_TAG_SYSTEM}|{@code seed-<randomSeed>} (the extra patient excepted);
     * each appointment in a transaction of its own, so each has its own {@code meta.lastUpdated}, strictly increasing.
     */
    public SeededSchedule seedAppointments(List<String> patientIds, long randomSeed) {
        if (patientIds.size() < 3) {
            throw new IllegalArgumentException("seedAppointments needs at least 3 patients");
        }
        SandboxAppointmentGenerator generator = new SandboxAppointmentGenerator(randomSeed);
        int first = 1_000_000;
        List<String> practitioners = create(generator.practitioners(), randomSeed, first).stream().map(Stored::id).toList();
        List<String> locations = create(generator.locations(), randomSeed, first + 100).stream().map(Stored::id).toList();
        SandboxPatientGenerator patients = new SandboxPatientGenerator(randomSeed ^ 0x5eed, SandboxPatientGenerator.DefectRates.SANDBOX);
        Patient outside = patients.next();
        while (SandboxPatientGenerator.defectOf(outside) != SandboxPatientGenerator.Defect.NONE) {
            outside = patients.next();
        }
        // tagged as another site's: outside the poll's _tag search, as a patient outside the client's scope is
        String outsideId = create(List.of(outside), -randomSeed, first + 200).get(0).id();

        List<SeededAppointment> seeded = new ArrayList<>();
        List<Map.Entry<SandboxAppointmentGenerator.Kind, String>> plan = new ArrayList<>();
        patientIds.forEach(id -> plan.add(Map.entry(SandboxAppointmentGenerator.Kind.BOOKED, id)));
        plan.add(Map.entry(SandboxAppointmentGenerator.Kind.CANCELLED, patientIds.get(0)));
        plan.add(Map.entry(SandboxAppointmentGenerator.Kind.ENTERED_IN_ERROR, patientIds.get(1)));
        plan.add(Map.entry(SandboxAppointmentGenerator.Kind.PATIENT_NOT_IN_SCOPE, outsideId));
        plan.add(Map.entry(SandboxAppointmentGenerator.Kind.NO_PATIENT, ""));
        plan.add(Map.entry(SandboxAppointmentGenerator.Kind.DST_GAP_LOCAL_TIME, patientIds.get(2)));
        for (Map.Entry<SandboxAppointmentGenerator.Kind, String> step : plan) {
            Appointment appointment = generator.next(step.getKey(), step.getValue(), practitioners, locations);
            Stored stored = create(List.of(appointment), randomSeed, first + 300 + seeded.size()).get(0);
            seeded.add(new SeededAppointment(stored.id(), step.getValue().isEmpty() ? null : step.getValue(), stored.lastUpdated(), step.getKey()));
            awaitClockPast(stored.lastUpdated());
        }
        return new SeededSchedule(Collections.unmodifiableList(seeded), practitioners, locations);
    }

    /** What HAPI stored of one created resource. */
    private record Stored(String id, Instant lastUpdated) {
    }

    /**
     * Creates these resources in one FHIR transaction, each tagged with the seed. Writes go straight to HAPI's system
     * DAO (a real FHIR transaction, same indexing and history as over HTTP) to skip JSON round trips.
     *
     * @param first the number of resources of this seed created before, to keep the bundle's full URLs apart
     */
    private List<Stored> create(List<? extends Resource> resources, long randomSeed, int first) {
        Coding tag = new Coding(SEED_TAG_SYSTEM, "seed-" + randomSeed, null);
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < resources.size(); i++) {
            Resource resource = resources.get(i);
            resource.getMeta().addTag(tag.copy());
            transaction.addEntry()
                    .setFullUrl("urn:uuid:" + new UUID(randomSeed, first + i))
                    .setResource(resource)
                    .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType());
        }
        Bundle response = systemDao.transaction(new SystemRequestDetails(), transaction);
        List<Stored> stored = new ArrayList<>(resources.size());
        for (Bundle.BundleEntryComponent entry : response.getEntry()) {
            Bundle.BundleEntryResponseComponent written = entry.getResponse();
            stored.add(new Stored(new IdType(written.getLocation()).getIdPart(),
                    written.getLastModified() == null ? null : written.getLastModified().toInstant()));
        }
        return stored;
    }

    private static void awaitClockPast(Instant stamped) {
        if (stamped == null) {
            throw new IllegalStateException("HAPI returned no lastModified for a seeded patient");
        }
        while (!Instant.now().truncatedTo(ChronoUnit.MILLIS).isAfter(stamped)) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while seeding", e);
            }
        }
    }

    private void checkHeapFor(int count) {
        if (databaseDir != null) {
            return;
        }
        Runtime rt = Runtime.getRuntime();
        long needed = count * HEAP_PER_PATIENT + HEAP_RESERVE;
        if (rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()) < needed) {
            System.gc(); // what looked used may be garbage; measure again before refusing
            long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            if (available < needed) {
                throw new IllegalStateException(String.format(
                        "seeding %d patients into the in-memory sandbox EHR needs ~%d MB of heap, %d MB are free; "
                                + "run with -D%s=file (H2 on disk) or a larger -Xmx",
                        count, needed >> 20, available >> 20, STORAGE_PROPERTY));
            }
        }
    }

    /** Stops this sandbox and drops its database; a no-op on {@link #shared()}, which lives until JVM exit. */
    @Override
    public void close() {
        synchronized (SandboxEhr.class) {
            if (shared == this) {
                return;
            }
        }
        stop();
    }

    private void stop() {
        batchMaintenance.shutdownNow();
        stopQuietly(jetty);
        spring.close();
        shutdownDatabase(database, databaseDir);
    }

    private static Path createDatabaseDir() {
        try {
            Path target = Path.of("target");
            return Files.isDirectory(target)
                    ? Files.createTempDirectory(target, "sandbox-ehr-")
                    : Files.createTempDirectory("sandbox-ehr-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the sandbox EHR database", e);
        }
    }

    private static void stopQuietly(Server jetty) {
        if (jetty == null) {
            return;
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("Sandbox EHR: Jetty did not stop cleanly: {}", e.toString());
        }
    }

    private static void shutdownDatabase(JdbcConnectionPool database, Path databaseDir) {
        // DB_CLOSE_DELAY=-1 / DB_CLOSE_ON_EXIT=FALSE keep H2 open until told otherwise.
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            LOG.warn("Sandbox EHR: H2 shutdown failed: {}", e.toString());
        } finally {
            database.dispose();
        }
        if (databaseDir != null) {
            try (Stream<Path> files = Files.walk(databaseDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                LOG.warn("Sandbox EHR: could not delete {}: {}", databaseDir, e.toString());
            }
        }
    }
}
