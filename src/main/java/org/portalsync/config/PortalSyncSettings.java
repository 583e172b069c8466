package org.portalsync.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.camel.util.TimeUtils;
import org.portalsync.authority.AuthorityField;
import org.quartz.CronExpression;
import org.portalsync.welcome.WelcomePolicy;

/**
 * Typed, validated view of the {@code portal-sync.*} settings. Values come from
 * {@code config/application.properties}, overridden by environment variables
 * ({@code PORTAL_SYNC_DB_URL} for {@code portal-sync.db.url}) and by system properties.
 * {@link #KEYS} is the catalogue: the README documents each key and a test keeps them in step.
 */
public final class PortalSyncSettings {

    public static final String HOME = "portal-sync.home";
    public static final String SOURCE_NAME = "portal-sync.source.name";
    public static final String FHIR_BASE_URL = "portal-sync.source.fhir.base-url";
    public static final String FHIR_PATIENT_SEARCH = "portal-sync.source.fhir.patient-search";
    public static final String FHIR_POLL_TRIGGER = "portal-sync.source.fhir.poll-trigger";
    public static final String FHIR_POLL_INTERVAL = "portal-sync.source.fhir.poll-interval";
    public static final String FHIR_PAGE_SIZE = "portal-sync.source.fhir.page-size";
    public static final String FHIR_POLL_OVERLAP = "portal-sync.source.fhir.poll-overlap";
    public static final String FHIR_REQUESTS_PER_MINUTE = "portal-sync.source.fhir.requests-per-minute";
    public static final String FHIR_THROTTLE_WINDOW = "portal-sync.source.fhir.throttle-window";
    public static final String FHIR_CONNECT_TIMEOUT = "portal-sync.source.fhir.connect-timeout";
    public static final String FHIR_READ_TIMEOUT = "portal-sync.source.fhir.read-timeout";
    public static final String FHIR_MAX_RETRY_AFTER = "portal-sync.source.fhir.max-retry-after";
    public static final String FHIR_NOT_FOUND_ALERT_THRESHOLD = "portal-sync.source.fhir.not-found-alert-threshold";
    public static final String FHIR_NOT_FOUND_ALERT_WINDOW = "portal-sync.source.fhir.not-found-alert-window";
    public static final String FHIR_ZONE = "portal-sync.source.fhir.zone";
    public static final String FHIR_ALLOW_INSECURE_HTTP = "portal-sync.source.fhir.allow-insecure-http";
    // FHIR Bulk Data $export for the initial load
    public static final String FHIR_INITIAL_LOAD = "portal-sync.source.fhir.initial-load";
    public static final String FHIR_EXPORT_ENDPOINT = "portal-sync.source.fhir.export-endpoint";
    public static final String FHIR_EXPORT_MAX_POLL_WAIT = "portal-sync.source.fhir.export-max-poll-wait";
    public static final String FHIR_EXPORT_TIMEOUT = "portal-sync.source.fhir.export-timeout";
    public static final String AUTH_TOKEN_URL = "portal-sync.source.fhir.auth.token-url";
    public static final String AUTH_CLIENT_ID = "portal-sync.source.fhir.auth.client-id";
    public static final String AUTH_CLIENT_SECRET = "portal-sync.source.fhir.auth.client-secret";
    public static final String AUTH_CLIENT_SECRET_FILE = "portal-sync.source.fhir.auth.client-secret-file";
    public static final String AUTH_METHOD = "portal-sync.source.fhir.auth.method";
    public static final String AUTH_SCOPE = "portal-sync.source.fhir.auth.scope";
    public static final String AUTH_REFRESH_BEFORE_EXPIRY = "portal-sync.source.fhir.auth.refresh-before-expiry";
    public static final String AUTH_PRIVATE_KEY_FILE = "portal-sync.source.fhir.auth.private-key-file";
    public static final String AUTH_PRIVATE_KEY_PASSWORD = "portal-sync.source.fhir.auth.private-key-password";
    public static final String AUTH_PRIVATE_KEY_PASSWORD_FILE = "portal-sync.source.fhir.auth.private-key-password-file";
    public static final String AUTH_KEY_ID = "portal-sync.source.fhir.auth.key-id";
    public static final String MAPPING_MRN_SYSTEM = "portal-sync.mapping.mrn-system";
    public static final String MAPPING_DEFAULT_COUNTRY = "portal-sync.mapping.default-country";
    public static final String DB_URL = "portal-sync.db.url";
    public static final String DB_USER = "portal-sync.db.user";
    public static final String DB_PASSWORD = "portal-sync.db.password";
    public static final String DB_POOL_SIZE = "portal-sync.db.pool-size";
    public static final String SYNC_WORKERS = "portal-sync.sync.workers";
    public static final String SYNC_DEPENDENT_FEED_WAIT = "portal-sync.sync.dependent-feed-wait";
    public static final String SYNC_PAGE_TRANSACTION = "portal-sync.sync.page-transaction";
    public static final String RETRY_MAXIMUM = "portal-sync.retry.maximum-redeliveries";
    public static final String RETRY_FIRST_DELAY = "portal-sync.retry.first-delay";
    public static final String RETRY_BACKOFF = "portal-sync.retry.backoff-multiplier";
    public static final String DRY_RUN = "portal-sync.dry-run";
    public static final String DRY_RUN_REPORT_DIR = "portal-sync.dry-run.report-dir";
    public static final String AUDIT_ACTOR = "portal-sync.audit.actor";
    public static final String WELCOME_ENABLED = "portal-sync.welcome.enabled";
    public static final String WELCOME_ENDPOINT = "portal-sync.welcome.endpoint";
    public static final String WELCOME_FROM = "portal-sync.welcome.from";
    public static final String WELCOME_SUBJECT = "portal-sync.welcome.subject";
    public static final String WELCOME_INTERVAL = "portal-sync.welcome.interval";
    public static final String WELCOME_MAX_ATTEMPTS = "portal-sync.welcome.max-attempts";
    public static final String WELCOME_INITIAL_LOAD = "portal-sync.welcome.initial-load";
    public static final String WELCOME_MINOR_AGE = "portal-sync.welcome.minor-age";
    public static final String WELCOME_MINORS = "portal-sync.welcome.minors";
    public static final String CLUSTER_LOCK_DIR = "portal-sync.cluster.lock-dir";
    public static final String DB_CONNECTION_TIMEOUT = "portal-sync.db.connection-timeout";
    public static final String RESYNC_INTERVAL = "portal-sync.resync.interval";
    public static final String RESYNC_MAX_ATTEMPTS = "portal-sync.resync.max-attempts";
    public static final String JOURNAL_DIR = "portal-sync.journal.dir";
    public static final String AUTHORITY_FILE = "portal-sync.authority.file";
    public static final String WRITE_BACK_ENABLED = "portal-sync.write-back.enabled";
    public static final String INSURANCE_ENABLED = "portal-sync.insurance.enabled";
    public static final String INSURANCE_POLL_TRIGGER = "portal-sync.insurance.poll-trigger";
    public static final String INSURANCE_COVERAGE_SEARCH = "portal-sync.insurance.coverage-search";
    public static final String APPOINTMENTS_ENABLED = "portal-sync.appointments.enabled";
    public static final String APPOINTMENTS_POLL_TRIGGER = "portal-sync.appointments.poll-trigger";
    public static final String APPOINTMENTS_SEARCH = "portal-sync.appointments.appointment-search";
    public static final String APPOINTMENTS_LOCATION_ZONES = "portal-sync.appointments.location-zones";
    public static final String APPOINTMENTS_REALTIME_FIELDS = "portal-sync.appointments.realtime-fields";
    public static final String RECONCILIATION_ENABLED = "portal-sync.reconciliation.enabled";
    public static final String RECONCILIATION_CRON = "portal-sync.reconciliation.cron";
    public static final String RECONCILIATION_DAYS = "portal-sync.reconciliation.days";
    public static final String RECONCILIATION_REPAIR = "portal-sync.reconciliation.repair";
    public static final String WRITE_BACK_INTERVAL = "portal-sync.write-back.interval";
    public static final String WRITE_BACK_MAX_ATTEMPTS = "portal-sync.write-back.max-attempts";
    public static final String WRITE_BACK_MAX_CONFLICT_RETRIES = "portal-sync.write-back.max-conflict-retries";
    public static final String MESSAGE_CHANGE_FAILED = "portal-sync.patient-message.change-failed";
    public static final String MESSAGE_CHANGE_SUPERSEDED = "portal-sync.patient-message.change-superseded";
    public static final String MESSAGE_APPOINTMENT_CANCEL_FAILED = "portal-sync.patient-message.appointment-cancel-failed";
    public static final String MESSAGE_APPOINTMENT_RESCHEDULE_FAILED = "portal-sync.patient-message.appointment-reschedule-failed";
    public static final String MESSAGE_APPOINTMENT_BOOKING_FAILED = "portal-sync.patient-message.appointment-booking-failed";
    public static final String MESSAGE_SLOT_TAKEN = "portal-sync.patient-message.slot-taken";
    public static final String MESSAGE_INSURANCE_CHANGE_FAILED = "portal-sync.patient-message.insurance-change-failed";
    public static final String PRACTICE_PHONE = "portal-sync.practice.phone";
    /** Where a patient message names the practice's phone number (portal-sync.practice.phone). */
    public static final String PRACTICE_PHONE_PLACEHOLDER = "{practice-phone}";
    public static final String APPOINTMENTS_BOOKING_STATUS = "portal-sync.appointments.booking-status";
    public static final String JOURNAL_IMPORT_INTERVAL = "portal-sync.journal.import-interval";
    public static final String ALERT_ENDPOINT = "portal-sync.alert.endpoint";
    public static final String ALERT_INTERVAL = "portal-sync.alert.interval";
    public static final String ALERT_WINDOW = "portal-sync.alert.window";
    public static final String ALERT_MAIL_HOST = "portal-sync.alert.mail.host";
    public static final String ALERT_MAIL_PORT = "portal-sync.alert.mail.port";
    public static final String ALERT_MAIL_PROTOCOL = "portal-sync.alert.mail.protocol";
    public static final String ALERT_MAIL_USER = "portal-sync.alert.mail.user";
    public static final String ALERT_MAIL_PASSWORD = "portal-sync.alert.mail.password";
    public static final String ALERT_MAIL_PASSWORD_FILE = "portal-sync.alert.mail.password-file";
    public static final String ALERT_MAIL_FROM = "portal-sync.alert.mail.from";
    public static final String ALERT_MAIL_TO = "portal-sync.alert.mail.to";
    public static final String ALERT_WEBHOOK_URL = "portal-sync.alert.webhook.url";
    public static final String ALERT_RUNBOOK_URL = "portal-sync.alert.runbook-url";
    public static final String ALERT_ROUTING = "portal-sync.alert.routing";
    public static final String ALERT_MAIL_TO_BY_KIND = "portal-sync.alert.mail.to-by-kind";
    public static final String ALERT_WEBHOOK_URL_FILE = "portal-sync.alert.webhook.url-file";
    public static final String DIGEST_ENABLED = "portal-sync.digest.enabled";
    public static final String DIGEST_CRON = "portal-sync.digest.cron";
    public static final String DIGEST_TO = "portal-sync.digest.to";
    public static final String DIGEST_SUBJECT = "portal-sync.digest.subject";
    public static final String DIGEST_ALL_CLEAR = "portal-sync.digest.all-clear";
    public static final String RETENTION_ENABLED = "portal-sync.retention.enabled";
    public static final String RETENTION_CRON = "portal-sync.retention.cron";
    public static final String RETENTION_INBOX = "portal-sync.retention.inbox";
    public static final String API_ENABLED = "portal-sync.api.enabled";
    public static final String API_PORT = "portal-sync.api.port";
    public static final String API_BIND_ADDRESS = "portal-sync.api.bind-address";
    public static final String API_MAX_BODY_BYTES = "portal-sync.api.max-body-bytes";
    public static final String API_TLS_KEYSTORE = "portal-sync.api.tls.keystore";
    public static final String API_TLS_KEYSTORE_PASSWORD = "portal-sync.api.tls.keystore-password";
    public static final String API_TLS_KEYSTORE_PASSWORD_FILE = "portal-sync.api.tls.keystore-password-file";
    public static final String MANAGEMENT_ENABLED = "portal-sync.management.enabled";
    public static final String MANAGEMENT_PORT = "portal-sync.management.port";
    public static final String MANAGEMENT_BIND_ADDRESS = "portal-sync.management.bind-address";
    public static final String HEALTH_PROBE_INTERVAL = "portal-sync.health.probe-interval";
    public static final String HEALTH_MAX_MISSED_POLLS = "portal-sync.health.max-missed-polls";
    public static final String CONSOLE_ENABLED = "portal-sync.console.enabled";
    public static final String CONSOLE_USERS_FILE = "portal-sync.console.users-file";
    public static final String CONSOLE_SESSION_TIMEOUT = "portal-sync.console.session-timeout";
    public static final String CONSOLE_LOGIN_MAX_FAILURES = "portal-sync.console.login-max-failures";
    public static final String CONSOLE_LOGIN_LOCKOUT = "portal-sync.console.login-lockout";
    public static final String HL7V2_MAPPINGS_DIR = "portal-sync.source.hl7v2.mappings-dir";
    public static final String HL7V2_MAPPINGS_RESCAN_INTERVAL = "portal-sync.source.hl7v2.mappings-rescan-interval";
    public static final String HL7V2_MLLP_ENABLED = "portal-sync.source.hl7v2.mllp.enabled";
    public static final String HL7V2_MLLP_PORT = "portal-sync.source.hl7v2.mllp.port";
    public static final String HL7V2_MLLP_BIND_ADDRESS = "portal-sync.source.hl7v2.mllp.bind-address";
    public static final String HL7V2_MLLP_MAX_CONNECTIONS = "portal-sync.source.hl7v2.mllp.max-connections";
    public static final String HL7V2_INBOX_WORKERS = "portal-sync.source.hl7v2.inbox-workers";
    public static final String HL7V2_INBOX_SWEEP_INTERVAL = "portal-sync.source.hl7v2.inbox-sweep-interval";
    public static final String HL7V2_FILE_ENABLED = "portal-sync.source.hl7v2.file.enabled";
    public static final String HL7V2_FILE_DIR = "portal-sync.source.hl7v2.file.dir";
    public static final String HL7V2_FILE_POLL_INTERVAL = "portal-sync.source.hl7v2.file.poll-interval";
    public static final String HL7V2_FILE_READY_AFTER = "portal-sync.source.hl7v2.file.ready-after";
    public static final String HL7V2_FILE_CHARSET = "portal-sync.source.hl7v2.file.charset";
    public static final String DOCUMENT_ENABLED = "portal-sync.source.document.enabled";
    public static final String DOCUMENT_DIR = "portal-sync.source.document.dir";
    public static final String DOCUMENT_POLL_INTERVAL = "portal-sync.source.document.poll-interval";
    public static final String DOCUMENT_READY_AFTER = "portal-sync.source.document.ready-after";
    public static final String SOAP_ENABLED = "portal-sync.source.soap.enabled";
    public static final String SOAP_URL = "portal-sync.source.soap.url";
    public static final String SOAP_MAPPING = "portal-sync.source.soap.mapping";
    public static final String SOAP_APPOINTMENT_MAPPING = "portal-sync.source.soap.appointment-mapping";
    public static final String SOAP_CHANGED_SINCE = "portal-sync.source.soap.changed-since";
    public static final String SOAP_CHANGED_SINCE_OVERLAP = "portal-sync.source.soap.changed-since-overlap";
    public static final String SOAP_POLL_INTERVAL = "portal-sync.source.soap.poll-interval";
    public static final String SOAP_DELETIONS = "portal-sync.source.soap.deletions";
    public static final String SOAP_DELETIONS_MAX_PERCENT = "portal-sync.source.soap.deletions-max-percent";
    public static final String SOAP_FULL_READ_INTERVAL = "portal-sync.source.soap.full-read-interval";
    public static final String SOAP_PAGE_SIZE = "portal-sync.source.soap.page-size";
    public static final String SOAP_MAX_PAGES = "portal-sync.source.soap.max-pages";
    public static final String SOAP_USERNAME = "portal-sync.source.soap.username";
    public static final String SOAP_PASSWORD = "portal-sync.source.soap.password";
    public static final String SOAP_PASSWORD_FILE = "portal-sync.source.soap.password-file";
    public static final String HL7V2_OUTBOUND_ENABLED = "portal-sync.source.hl7v2.outbound.enabled";
    public static final String HL7V2_OUTBOUND_HOST = "portal-sync.source.hl7v2.outbound.host";
    public static final String HL7V2_OUTBOUND_PORT = "portal-sync.source.hl7v2.outbound.port";
    public static final String HL7V2_OUTBOUND_TIMEOUT = "portal-sync.source.hl7v2.outbound.timeout";
    public static final String HL7V2_OUTBOUND_SOURCE = "portal-sync.source.hl7v2.outbound.source";
    public static final String WEBHOOK_ENABLED = "portal-sync.webhook.enabled";
    public static final String WEBHOOK_SECRET = "portal-sync.webhook.secret";
    public static final String WEBHOOK_SECRET_FILE = "portal-sync.webhook.secret-file";
    public static final String WEBHOOK_MAX_AGE = "portal-sync.webhook.max-age";
    public static final String WEBHOOK_RESOURCE_TYPES = "portal-sync.webhook.resource-types";
    public static final String WEBHOOK_WORKERS = "portal-sync.webhook.workers";
    public static final String WEBHOOK_BATCH_SIZE = "portal-sync.webhook.batch-size";
    public static final String WEBHOOK_BATCH_AFTER = "portal-sync.webhook.batch-after";
    public static final String WEBHOOK_SWEEP_INTERVAL = "portal-sync.webhook.sweep-interval";
    public static final String WEBHOOK_CLAIM_TIMEOUT = "portal-sync.webhook.claim-timeout";
    public static final String SUBSCRIPTION_HEARTBEAT_PERIOD = "portal-sync.subscription.heartbeat-period";
    public static final String SUBSCRIPTION_HEARTBEAT_MISSES = "portal-sync.subscription.heartbeat-misses";
    public static final String SUBSCRIPTION_CHECK_INTERVAL = "portal-sync.subscription.check-interval";
    public static final String SUBSCRIPTION_CATCH_UP_TYPES = "portal-sync.subscription.catch-up-types";

    public static final List<Setting> KEYS = List.of(
            Setting.optional(HOME, "",
                    "Folder that holds config/, routes/ and data/; relative paths in the other settings resolve against it. "
                            + "Read before the settings file, so set it as -Dportal-sync.home=... or PORTAL_SYNC_HOME. Empty: the folder of "
                            + "portal-sync.jar, or the one above it, that holds config/application.properties, else the working directory."),
            Setting.optional(SOURCE_NAME, "ehr", "Name of the EHR source; part of every portal record's key and of audit rows."),
            Setting.required(FHIR_BASE_URL, "FHIR R4 base URL of the EHR, e.g. https://ehr.example.org/fhir."),
            Setting.optional(FHIR_PATIENT_SEARCH, "",
                    "Extra search parameters for the patient poll, e.g. organization=Organization/clinic-a or "
                            + "_tag=http://example.org/site|north, to sync only one location's patients."),
            Setting.optional(FHIR_POLL_TRIGGER,
                    "master:fhir-patient-poll:scheduler:fhir-patient-poll?delay={{" + FHIR_POLL_INTERVAL + "}}&initialDelay=1000",
                    "Camel endpoint that starts a poll. Default: every poll-interval, on one instance of a cluster. "
                            + "For a cron schedule: master:fhir-patient-poll:quartz:fhir-patient-poll?cron=0+0/5+*+*+*+?"),
            Setting.optional(FHIR_POLL_INTERVAL, "5m", "Time between the end of one poll and the start of the next (e.g. 30s, 5m)."),
            Setting.optional(FHIR_PAGE_SIZE, "50", "Resources per search page (_count)."),
            Setting.optional(FHIR_POLL_OVERLAP, "5s",
                    "How far before the high-water mark a poll starts again, to catch EHR transactions that committed late. "
                            + "Re-read records that did not change are skipped."),
            Setting.optional(FHIR_REQUESTS_PER_MINUTE, "600",
                    "Most requests per minute this engine sends to the EHR (Camel's throttle; the one page fetched ahead may add one)."),
            Setting.optional(FHIR_THROTTLE_WINDOW, "1m",
                    "The window requests-per-minute is counted over: at most requests-per-minute x window / 1m requests in any window. "
                            + "A shorter one spreads the requests over the minute, for an EHR that limits per second (e.g. 1s)."),
            Setting.optional(FHIR_CONNECT_TIMEOUT, "10s", "Time to wait for a connection to the EHR."),
            Setting.optional(FHIR_READ_TIMEOUT, "60s", "Time the EHR may stay silent (before its answer, or within it) before the request fails and is retried."),
            Setting.optional(FHIR_MAX_RETRY_AFTER, "2m", "Longest Retry-After (from a 429 or 503) that is waited out; a longer one fails the request."),
            Setting.optional(FHIR_NOT_FOUND_ALERT_THRESHOLD, "10",
                    "Records whose read the EHR answers 404 Not Found within not-found-alert-window that raise an EHR_NOT_FOUND_SURGE "
                            + "alert (many at once suggest a wrong base URL or a lost scope); 0 never raises it. Each is a data-quality row either way."),
            Setting.optional(FHIR_NOT_FOUND_ALERT_WINDOW, "10m", "Time window for not-found-alert-threshold; at most one such alert per window."),
            Setting.optional(FHIR_ZONE, "UTC", "IANA time zone of the facility (e.g. America/New_York), stored beside every instant."),
            Setting.optional(FHIR_ALLOW_INSECURE_HTTP, "false",
                    "true allows a plain http:// base-url and token-url on a host other than loopback (a sandbox EHR on another "
                            + "host). Never for a real EHR: the access token and patient data would cross the network unencrypted."),
            Setting.optional(FHIR_INITIAL_LOAD, "search",
                    "How a source's first full read of its patients is done: search (the paged search, as every later poll), export "
                            + "(FHIR Bulk Data $export, NDJSON files), or auto (export when the EHR's CapabilityStatement lists the "
                            + "export operation, else search). Later polls always search from the export's transactionTime."),
            Setting.optional(FHIR_EXPORT_ENDPOINT, "$export",
                    "Bulk Data kick-off path under base-url: $export (system level, _type=Patient), Patient/$export, or "
                            + "Group/<id>/$export for an EHR that exports only a group of patients."),
            Setting.optional(FHIR_EXPORT_MAX_POLL_WAIT, "1m",
                    "Longest wait between two status requests of a running export: the EHR's Retry-After, up to this; without "
                            + "Retry-After the wait starts at 1 s and doubles up to this."),
            Setting.optional(FHIR_EXPORT_TIMEOUT, "6h",
                    "Longest an export may run before the engine gives up on it (dead letter, alert; the next poll starts a new one)."),
            Setting.optional(AUTH_TOKEN_URL, "",
                    "OAuth2 token endpoint. Empty with a client-id: read from the EHR's <base-url>/.well-known/smart-configuration. "
                            + "Empty without one: no Authorization header (only for a local sandbox)."),
            Setting.optional(AUTH_CLIENT_ID, "", "OAuth2 client id (client credentials grant)."),
            Setting.secret(AUTH_CLIENT_SECRET, "OAuth2 client secret. Set it by environment variable PORTAL_SYNC_SOURCE_FHIR_AUTH_CLIENT_SECRET, never in a committed file."),
            Setting.optional(AUTH_CLIENT_SECRET_FILE, "", "File that holds the client secret (e.g. a mounted secret); used when client-secret is empty."),
            Setting.optional(AUTH_METHOD, "client_secret_basic",
                    "How the client authenticates at the token endpoint: client_secret_basic, client_secret_post, or private_key_jwt "
                            + "(SMART Backend Services: a JWT signed with private-key-file)."),
            Setting.optional(AUTH_SCOPE, "system/Patient.read system/Coverage.read system/Appointment.read system/Practitioner.read system/Location.read", "Scopes asked for (SMART backend services)."),
            Setting.optional(AUTH_REFRESH_BEFORE_EXPIRY, "60s", "A cached token is renewed this long before its expires_in runs out."),
            Setting.optional(AUTH_PRIVATE_KEY_FILE, "",
                    "private_key_jwt: the engine's private key(s), relative to the home: a JWKS with private keys (.json), PEM PKCS#8 "
                            + "or PKCS#12. RSA (RS384) or EC P-384 (ES384). Re-read when it changes; keep it readable by the engine's user only."),
            Setting.secret(AUTH_PRIVATE_KEY_PASSWORD,
                    "Password of a PKCS#12 private-key-file (environment variable PORTAL_SYNC_SOURCE_FHIR_AUTH_PRIVATE_KEY_PASSWORD)."),
            Setting.optional(AUTH_PRIVATE_KEY_PASSWORD_FILE, "",
                    "File that holds the PKCS#12 password (e.g. a mounted secret); used when private-key-password is empty."),
            Setting.optional(AUTH_KEY_ID, "",
                    "private_key_jwt: kid of the key to sign with (as registered at the EHR). Empty: the newest key in the file "
                            + "(latest iat or certificate, else the last), so a rotation needs no restart."),
            Setting.required(MAPPING_MRN_SYSTEM, "Identifier system (Patient.identifier.system) whose value is the patient's MRN, "
                    + "e.g. urn:oid:2.16.840.1.113883.3.4424.1; the EHR's team knows which one its MRNs use."),
            Setting.optional(MAPPING_DEFAULT_COUNTRY, "US", "ISO 3166 country assumed for phone numbers and addresses that name none."),
            Setting.optional(DB_URL, "jdbc:h2:file:./data/portal;AUTO_SERVER=TRUE", "JDBC URL of the portal database (H2 or PostgreSQL)."),
            Setting.optional(DB_USER, "sa", "Portal database user."),
            Setting.secret(DB_PASSWORD, "Portal database password (environment variable PORTAL_SYNC_DB_PASSWORD)."),
            Setting.optional(DB_POOL_SIZE, "5", "Most connections to the portal database."),
            Setting.optional(SYNC_WORKERS, "1",
                    "Records of one page mapped (and, without page transactions, written) at the same time. 1 is fastest with the "
                            + "embedded H2 database on a small host. Keep it below portal-sync.db.pool-size."),
            Setting.optional(SYNC_DEPENDENT_FEED_WAIT, "30m",
                    "While the patients' initial load runs, the insurance and appointment polls skip their triggers for at most this "
                            + "long, so that their records find their patients in the portal instead of fetching each one alone. 0: no wait."),
            Setting.optional(SYNC_PAGE_TRANSACTION, "true",
                    "true: the patient poll writes each page's records in one transaction (one commit per page), and a page that "
                            + "fails is written again record by record, each with its own retries and dead letter. false: one transaction per record."),
            Setting.optional(RETRY_MAXIMUM, "3", "Retries of a failed step before it goes to the dead-letter table."),
            Setting.optional(RETRY_FIRST_DELAY, "1000", "Milliseconds before the first retry."),
            Setting.optional(RETRY_BACKOFF, "5", "Each retry waits this many times longer than the one before (1 s, 5 s, 25 s)."),
            Setting.optional(DRY_RUN, "false", "Read-only run: fetch, validate, map and merge, write a report instead of the portal (also: --dry-run)."),
            Setting.optional(DRY_RUN_REPORT_DIR, "data/reports", "Folder for dry-run reports."),
            Setting.optional(AUDIT_ACTOR, "portal_sync_service", "Service account named in audit rows."),
            Setting.optional(WELCOME_ENABLED, "false",
                    "true: the engine sends the welcome message itself (routes/patient-welcome.yaml); false: the portal reads welcome_outbox."),
            Setting.optional(WELCOME_ENDPOINT, "log:portal-sync.welcome",
                    "Where welcome messages go, e.g. smtp://mail.example.org:587?username=portal&password=RAW(...) "
                            + "(put the password in the environment: PORTAL_SYNC_WELCOME_ENDPOINT)."),
            Setting.optional(WELCOME_FROM, "no-reply@practice.example", "Sender address of welcome emails."),
            Setting.optional(WELCOME_SUBJECT, "Welcome to your patient portal", "Subject of welcome emails; the text is config/welcome-email.txt (config/welcome-email-guardian.txt to a parent or guardian)."),
            Setting.optional(WELCOME_INTERVAL, "1m", "How often pending welcome messages are sent."),
            Setting.optional(WELCOME_MAX_ATTEMPTS, "10",
                    "Sends of one welcome (one per interval) the mail server may refuse before the row is given up with an alert."),
            Setting.optional(WELCOME_INITIAL_LOAD, "skip",
                    "Welcomes for the patients a source's initial load brings in (they already exist at the EHR): skip queues none, "
                            + "queue queues them as for any new patient. The initial load lasts until a poll first reads the EHR's "
                            + "patients to the end."),
            Setting.optional(WELCOME_MINOR_AGE, "18",
                    "Patients younger than this many years (from birthDate, in the facility's zone portal-sync.source.fhir.zone) are minors."),
            Setting.optional(WELCOME_MINORS, "guardian",
                    "Where a minor's welcome goes: guardian sends it to the first parent or guardian contact with an email "
                            + "(none without one); none sends minors nothing."),
            Setting.optional(CLUSTER_LOCK_DIR, "data/cluster", "Folder for the file lock that lets one instance run the scheduled routes."),
            Setting.optional(DB_CONNECTION_TIMEOUT, "10s",
                    "Longest wait for a portal database connection; past it the write fails and is retried, then journalled."),
            Setting.optional(RESYNC_INTERVAL, "5m",
                    "How often dead-lettered records are synced again (routes/dead-letter-resync.yaml); the n-th retry of a record "
                            + "waits this times 2^(n-1)."),
            Setting.optional(AUTHORITY_FILE, "config/authority.yaml",
                    "Which system decides each field (ehr, portal, last-write-wins, or a 'when' rule); relative to the home."),
            Setting.optional(INSURANCE_ENABLED, "true",
                    "true: insurance (FHIR Coverage) is polled into portal_insurance and portal changes to it are taken; needs "
                            + "system/Coverage.read in portal-sync.source.fhir.auth.scope (and Coverage write for write-back)."),
            Setting.optional(INSURANCE_POLL_TRIGGER,
                    "master:fhir-coverage-poll:scheduler:fhir-coverage-poll?delay={{" + FHIR_POLL_INTERVAL + "}}&initialDelay=3000",
                    "Camel endpoint that starts a poll of insurance (routes/fhir-coverage-poll.yaml); default: every poll-interval."),
            Setting.optional(INSURANCE_COVERAGE_SEARCH, "",
                    "Extra search parameters for the insurance poll, e.g. status=active, as for portal-sync.source.fhir.patient-search."),
            Setting.optional(APPOINTMENTS_ENABLED, "true",
                    "true: appointments (FHIR Appointment) are polled into portal_appointment; needs system/Appointment.read (and "
                            + "Practitioner.read, Location.read for their names) in portal-sync.source.fhir.auth.scope."),
            Setting.optional(APPOINTMENTS_POLL_TRIGGER,
                    "master:fhir-appointment-poll:scheduler:fhir-appointment-poll?delay={{" + FHIR_POLL_INTERVAL + "}}&initialDelay=4000",
                    "Camel endpoint that starts a poll of appointments (routes/fhir-appointment-poll.yaml); default: every poll-interval."),
            Setting.optional(APPOINTMENTS_SEARCH, "",
                    "Extra search parameters for the appointment poll, e.g. location=Location/7 or date=ge2026-01-01, as for "
                            + "portal-sync.source.fhir.patient-search."),
            Setting.optional(APPOINTMENTS_LOCATION_ZONES, "",
                    "IANA zone of each location whose zone is not portal-sync.source.fhir.zone, comma-separated: Location/<id>=<zone> "
                            + "or <identifier system>|<value>=<zone>, e.g. Location/7=America/Chicago, urn:example:site|berlin=Europe/Berlin. "
                            + "An appointment is kept and shown in its location's zone; a time without offset is read in it."),
            Setting.optional(APPOINTMENTS_REALTIME_FIELDS, "all",
                    "The appointment fields a poll or webhook applies at once to an appointment the portal holds, comma-separated "
                            + "(start, end, provider, location, status, cancellation-reason, reason, notes), or all. A change of any other "
                            + "field waits for the nightly reconciliation run, which applies it. A new appointment is always stored in full. "
                            + "Example: status,start,end,cancellation-reason."),
            Setting.optional(RECONCILIATION_ENABLED, "true",
                    "true: the daily appointment reconciliation runs on portal-sync.reconciliation.cron (routes/appointment-reconciliation.yaml)."),
            Setting.optional(RECONCILIATION_CRON, "0 30 5 * * ?",
                    "Quartz cron expression of the daily appointment reconciliation, in the practice's zone (portal-sync.source.fhir.zone); "
                            + "default 05:30 every day."),
            Setting.optional(RECONCILIATION_DAYS, "30",
                    "Days the reconciliation compares, from today 00:00 in portal-sync.source.fhir.zone."),
            Setting.optional(RECONCILIATION_REPAIR, "false",
                    "true: the reconciliation re-syncs each appointment that differs in a field the EHR decides (config/authority.yaml) "
                            + "and records what it repaired; a value the portal decides (a patient's cancellation) is never repaired."),
            Setting.optional(WRITE_BACK_ENABLED, "false",
                    "true: values the portal decides are written to the EHR (FHIR update with If-Match); needs a Patient write scope in "
                            + "portal-sync.source.fhir.auth.scope, e.g. system/Patient.write. false: they stay in the portal."),
            Setting.optional(WRITE_BACK_INTERVAL, "5s",
                    "How often portal changes still due are taken up (routes/portal-change-write-back.yaml); a new change is taken up at once."),
            Setting.optional(WRITE_BACK_MAX_ATTEMPTS, "5",
                    "Attempts to write one change to the EHR while it is unreachable (each waits twice as long) before the change fails."),
            Setting.optional(WRITE_BACK_MAX_CONFLICT_RETRIES, "3",
                    "Times a write-back the EHR answers 412 (someone changed the patient meanwhile) is re-read, re-merged and sent again."),
            Setting.optional(PRACTICE_PHONE, "",
                    "The practice's phone number as patients dial it, e.g. (503) 555-0100: put into the patient messages below where they "
                            + "say {practice-phone}. Empty: they say \"call our front desk\" without a number."),
            Setting.optional(MESSAGE_CHANGE_FAILED, "We couldn't update your details. Please call our front desk at {practice-phone}.",
                    "What the portal shows a patient whose change of contact details could not be written to the EHR."),
            Setting.optional(MESSAGE_INSURANCE_CHANGE_FAILED,
                    "We couldn't update your insurance. Please call our front desk at {practice-phone}, or bring your insurance card "
                            + "to your next visit.",
                    "What the portal shows a patient whose change of insurance could not be written to the EHR."),
            Setting.optional(MESSAGE_CHANGE_SUPERSEDED,
                    "Our office updated the same details just before you did, so we kept theirs. Please check them, or call our front desk "
                            + "at {practice-phone}.",
                    "What the portal shows a patient whose change lost to a later change made at the EHR (last-write-wins)."),
            Setting.optional(MESSAGE_APPOINTMENT_CANCEL_FAILED, "We couldn't cancel your appointment. Please call our front desk at {practice-phone}.",
                    "What the portal shows a patient whose cancellation could not be written to the EHR."),
            Setting.optional(MESSAGE_APPOINTMENT_RESCHEDULE_FAILED, "We couldn't reschedule your appointment. Please call our front desk at {practice-phone}.",
                    "What the portal shows a patient whose reschedule could not be written to the EHR."),
            Setting.optional(MESSAGE_APPOINTMENT_BOOKING_FAILED, "We couldn't book your appointment. Please call our front desk at {practice-phone}.",
                    "What the portal shows a patient whose booking could not be made at the EHR (other than a slot taken meanwhile)."),
            Setting.optional(MESSAGE_SLOT_TAKEN, "That time was just taken. Please choose another.",
                    "What the portal shows a patient whose booking found the slot taken at the EHR: nothing was booked."),
            Setting.optional(APPOINTMENTS_BOOKING_STATUS, "booked",
                    "Status of an Appointment the engine creates for a portal booking: booked, or proposed for an EHR that confirms "
                            + "bookings itself. Needs system/Appointment.write and system/Slot.write in portal-sync.source.fhir.auth.scope."),
            Setting.optional(RESYNC_MAX_ATTEMPTS, "5",
                    "Re-syncs of a dead-lettered record before it waits for an operator (status NEEDS_OPERATOR, alert RESYNC_EXHAUSTED)."),
            Setting.optional(JOURNAL_DIR, "data/journal",
                    "Folder of the local dead-letter journal: failures that could not be written while the portal database was down. "
                            + "Holds PHI: keep it on the engine's host."),
            Setting.optional(JOURNAL_IMPORT_INTERVAL, "30s", "How often the journal is moved into the portal database once it is back."),
            Setting.optional(ALERT_ENDPOINT, "log:portal-sync.alert?level=ERROR",
                    "Camel endpoint for alerts that cannot wait for the portal database (it is down), e.g. "
                            + "smtp://mail.example.org:587?to=it@practice.example or an https:// chat webhook."),
            Setting.optional(ALERT_INTERVAL, "10s",
                    "How often routes/alert-delivery.yaml sends alerts not yet sent and looks for outages that ended."),
            Setting.optional(ALERT_WINDOW, "15m",
                    "Storm control: failures of one kind (EHR down, authentication, ...) at one source within this time of the last "
                            + "one count into one alert; after a whole window without one, the next failure is a new alert."),
            Setting.optional(ALERT_MAIL_HOST, "",
                    "SMTP server for alerts and the daily digest, e.g. mail.example.org; empty: no alert mail."),
            Setting.optional(ALERT_MAIL_PORT, "587", "Port of portal-sync.alert.mail.host."),
            Setting.optional(ALERT_MAIL_PROTOCOL, "smtp",
                    "smtp (STARTTLS when the server offers it, as on port 587) or smtps (TLS from the start, port 465)."),
            Setting.optional(ALERT_MAIL_USER, "", "User name at the SMTP server; empty: the server takes mail without login."),
            Setting.secret(ALERT_MAIL_PASSWORD,
                    "Password at the SMTP server (environment variable PORTAL_SYNC_ALERT_MAIL_PASSWORD)."),
            Setting.optional(ALERT_MAIL_PASSWORD_FILE, "",
                    "File that holds the SMTP password (e.g. a mounted secret); used when alert.mail.password is empty."),
            Setting.optional(ALERT_MAIL_FROM, "portal-sync@practice.example", "Sender address of alert and digest mail."),
            Setting.optional(ALERT_MAIL_TO, "",
                    "Who gets alert mail (IT), comma-separated addresses; empty: no alert mail."),
            Setting.secret(ALERT_WEBHOOK_URL,
                    "Chat webhook that gets each alert as a JSON POST ({\"text\": ...}, as Slack, Mattermost and Teams take it); "
                            + "empty: none. A secret, since such URLs carry their token (environment variable PORTAL_SYNC_ALERT_WEBHOOK_URL)."),
            Setting.optional(ALERT_WEBHOOK_URL_FILE, "",
                    "File that holds the chat webhook's URL (e.g. a mounted secret); used when alert.webhook.url is empty."),
            Setting.optional(ALERT_ROUTING, "",
                    "Where each alert kind goes, as KIND=channels entries separated by ';': mail, webhook, mail,webhook (both) or digest "
                            + "(only in the daily digest), e.g. EHR_DOWN=webhook; WRITE_BACK_FAILED=mail; MAPPING_FAILURE=digest. A kind not "
                            + "named: critical kinds through every configured channel at once, the others in the digest."),
            Setting.optional(ALERT_MAIL_TO_BY_KIND, "",
                    "Who gets alert mail of a kind instead of portal-sync.alert.mail.to, as KIND=addresses entries separated by ';', "
                            + "e.g. WRITE_BACK_FAILED=frontdesk@practice.example; WELCOME_UNDELIVERED=frontdesk@practice.example."),
            Setting.optional(ALERT_RUNBOOK_URL, "docs/runbooks.md",
                    "Where the team reads docs/runbooks.md (e.g. its URL in your Git server or wiki); each alert mail and chat message "
                            + "links its kind's section there (#ehr-down, #auth-failure, ...)."),
            Setting.optional(DIGEST_ENABLED, "true",
                    "true: the daily data-quality digest is mailed on portal-sync.digest.cron (routes/data-quality-digest.yaml) when "
                            + "portal-sync.alert.mail.host and a recipient are set."),
            Setting.optional(DIGEST_CRON, "0 0 7 * * ?",
                    "Quartz cron expression of the daily digest, in the practice's zone (portal-sync.source.fhir.zone); default 07:00 every day."),
            Setting.optional(DIGEST_TO, "",
                    "Who gets the daily digest (the front desk), comma-separated addresses; empty: portal-sync.alert.mail.to."),
            Setting.optional(DIGEST_SUBJECT, "Portal sync: data to fix in the EHR", "Subject of the daily digest mail."),
            Setting.optional(RETENTION_ENABLED, "true",
                    "true: the inbox rows the engine is done with are deleted on portal-sync.retention.cron (routes/inbox-retention.yaml)."),
            Setting.optional(RETENTION_CRON, "0 15 3 * * ?",
                    "Quartz cron expression of the nightly inbox purge, in the practice's zone (portal-sync.source.fhir.zone); default "
                            + "03:15 every day."),
            Setting.optional(RETENTION_INBOX, "30d",
                    "How long a webhook request or an HL7 v2 message (PHI, as received) is kept after its work ended (synced or "
                            + "dead-lettered); at least 1d and longer than portal-sync.webhook.max-age. Rows still waiting are never "
                            + "deleted. Until then a request or message sent again is recognised as a duplicate."),
            Setting.optional(DIGEST_ALL_CLEAR, "true",
                    "true: a day without problems sends a short all-clear mail; false: no mail that day."),
            Setting.optional(API_ENABLED, "true",
                    "true: the engine serves its HTTP API (routes/api-*.yaml, README \"The engine's API\"); false: no port is opened. "
                            + "A dry run never opens it."),
            Setting.optional(API_PORT, "8088", "TCP port of the engine's API; 0 picks a free port (tests)."),
            Setting.optional(API_BIND_ADDRESS, "127.0.0.1",
                    "Address the API listens on. Any address other than loopback (e.g. 0.0.0.0) needs TLS: portal-sync.api.tls.keystore."),
            Setting.optional(API_MAX_BODY_BYTES, "65536",
                    "Largest request body the API reads, in bytes; a larger one is refused with 413 before it is parsed."),
            Setting.optional(API_TLS_KEYSTORE, "",
                    "PKCS#12 key store (e.g. data/api-tls.p12) with the API's certificate and private key; set, the API speaks "
                            + "only HTTPS (TLS 1.2 or 1.3). Empty: plain HTTP, allowed only on a loopback bind-address."),
            Setting.secret(API_TLS_KEYSTORE_PASSWORD,
                    "Password of the API's key store (environment variable PORTAL_SYNC_API_TLS_KEYSTORE_PASSWORD)."),
            Setting.optional(API_TLS_KEYSTORE_PASSWORD_FILE, "",
                    "File that holds the key store's password (e.g. a mounted secret); used when keystore-password is empty."),
            Setting.optional(MANAGEMENT_ENABLED, "true",
                    "true: the engine serves Prometheus metrics (/observe/metrics) and its health (/observe/health, /live, /ready) on "
                            + "portal-sync.management.port (README \"Metrics and health\"). A dry run never opens it."),
            Setting.optional(MANAGEMENT_PORT, "9876", "TCP port of the metrics and health endpoints; not the API's port."),
            Setting.optional(MANAGEMENT_BIND_ADDRESS, "127.0.0.1",
                    "Address the metrics and health endpoints listen on; 0.0.0.0 for a Prometheus or an orchestrator on another host. "
                            + "They carry no patient data and no secret."),
            Setting.optional(HEALTH_PROBE_INTERVAL, "30s",
                    "How long the readiness check reuses its last look at each EHR (reachable, token obtainable) before it asks again."),
            Setting.optional(HEALTH_MAX_MISSED_POLLS, "3",
                    "Readiness: a scheduled feed whose last poll ended more than this many poll intervals ago makes the engine not ready."),
            Setting.optional(CONSOLE_ENABLED, "false",
                    "true: the API's server also serves the operator console under /console (README \"Operator console\"); it needs "
                            + "portal-sync.api.enabled and at least one user in portal-sync.console.users-file."),
            Setting.optional(CONSOLE_USERS_FILE, "config/console-users.properties",
                    "The console's users, one line each: <name> = <operator|viewer> <PBKDF2 hash>, written by ConsoleUsersCommand; "
                            + "relative to the home. Read again when it changes."),
            Setting.optional(CONSOLE_SESSION_TIMEOUT, "15m",
                    "A console session ends after this long without a request; the user signs in again."),
            Setting.optional(CONSOLE_LOGIN_MAX_FAILURES, "5",
                    "Failed console sign-ins of one user name, within portal-sync.console.login-lockout, after which that name "
                            + "is refused until the lockout has passed."),
            Setting.optional(CONSOLE_LOGIN_LOCKOUT, "15m",
                    "How long failed console sign-ins count towards portal-sync.console.login-max-failures, and how long a name "
                            + "stays refused after reaching it."),
            Setting.optional(HL7V2_MAPPINGS_DIR, "config/mappings",
                    "Folder of the HL7 v2 mapping files (README \"Legacy sources: mapping files\"); relative to the home."),
            Setting.optional(HL7V2_MAPPINGS_RESCAN_INTERVAL, "5s",
                    "How often the mapping folder is read again: an added or changed file serves from then on, a broken one raises "
                            + "an alert and leaves the previous version serving."),
            Setting.optional(HL7V2_MLLP_ENABLED, "false",
                    "true: the engine takes HL7 v2 messages over MLLP (routes/hl7v2-mllp-inbound.yaml, README \"HL7 v2 over MLLP\")."),
            Setting.optional(HL7V2_MLLP_PORT, "2575", "TCP port of the MLLP listener."),
            Setting.optional(HL7V2_MLLP_BIND_ADDRESS, "127.0.0.1",
                    "Address the MLLP listener binds to; MLLP has no encryption or sign-in, so open it (e.g. 0.0.0.0) only on a "
                            + "network the sending EHR alone reaches, or behind a TLS tunnel."),
            Setting.optional(HL7V2_MLLP_MAX_CONNECTIONS, "20",
                    "Connections the MLLP listener serves at once; one more is closed as soon as it opens (a legacy EHR often keeps "
                            + "one connection per interface, and senders retry)."),
            Setting.optional(HL7V2_INBOX_WORKERS, "2",
                    "HL7 v2 messages applied to the portal at the same time; one record's, and one patient's, messages are still "
                            + "applied one by one, in the order they came. Keep it below portal-sync.db.pool-size."),
            Setting.optional(HL7V2_INBOX_SWEEP_INTERVAL, "5s",
                    "How often the HL7 v2 inbox is searched for stored messages not yet applied (left by a restart or a failure)."),
            Setting.optional(HL7V2_FILE_ENABLED, "false",
                    "true: the engine reads HL7 v2 files (single messages or FHS/BHS batches) dropped into portal-sync.source.hl7v2.file.dir "
                            + "(routes/hl7v2-file-inbound.yaml, README \"HL7 v2 file drop\")."),
            Setting.optional(HL7V2_FILE_DIR, "data/hl7v2-inbox",
                    "The HL7 v2 drop folder, relative to the home; read files move to its done/ folder, refused ones to error/ with "
                            + "<name>.reason.txt beside them."),
            Setting.optional(HL7V2_FILE_POLL_INTERVAL, "2s", "How often the HL7 v2 drop folder is looked at."),
            Setting.optional(HL7V2_FILE_READY_AFTER, "5s",
                    "A file is read only once it has not changed for this long, so that one still being written is not taken half; "
                            + "names starting with '.' or ending in .tmp or .part are never read (write under such a name, then rename)."),
            Setting.optional(HL7V2_FILE_CHARSET, "UTF-8",
                    "Encoding of the dropped files (a UTF-8 byte order mark is dropped); a file not in it is refused to error/."),
            Setting.optional(DOCUMENT_ENABLED, "false",
                    "true: the engine reads legacy JSON and XML document files dropped into portal-sync.source.document.dir, each mapped "
                            + "by the mapping files whose document.files take its name (routes/legacy-document-inbound.yaml, README \"Legacy "
                            + "document files\")."),
            Setting.optional(DOCUMENT_DIR, "data/document-inbox",
                    "The legacy document folder, relative to the home; applied files move to its done/ folder, refused ones to error/ "
                            + "with <name>.reason.txt beside them."),
            Setting.optional(DOCUMENT_POLL_INTERVAL, "5s", "How often the legacy document folder is looked at."),
            Setting.optional(DOCUMENT_READY_AFTER, "5s",
                    "A document file is read only once it has not changed for this long; names starting with '.' or ending in .tmp or "
                            + ".part are never read (write under such a name, then rename)."),
            Setting.optional(SOAP_ENABLED, "false",
                    "true: the engine polls a legacy SOAP patient service (routes/soap-patient-poll.yaml, README \"Legacy SOAP source\")."),
            Setting.optional(SOAP_URL, "http://127.0.0.1:9/legacy-patient-service",
                    "The SOAP service's endpoint URL, without a query: https://, or plain http:// to a loopback address only."),
            Setting.optional(SOAP_MAPPING, "config/mappings/soap-legacy-patient.yaml",
                    "The SOAP source's mapping file (XPath paths), relative to the home; read again at every poll."),
            Setting.optional(SOAP_APPOINTMENT_MAPPING, "config/mappings/soap-legacy-appointment.yaml",
                    "The mapping of the appointments inside the SOAP source's records (its patient key names the mapping above), "
                            + "relative to the home; empty: the poll reads no appointments."),
            Setting.optional(SOAP_CHANGED_SINCE, "false",
                    "true: the SOAP service takes ChangedSince (docs/samples/legacy-patient-service.wsdl); each poll asks only for "
                            + "records changed since the last poll's mark (kept in the portal DB). false: every poll reads every record."),
            Setting.optional(SOAP_CHANGED_SINCE_OVERLAP, "5m",
                    "How far before its mark a changed-since poll asks from, so that a record saved while the last poll ran (or a "
                            + "service clock a little behind) is not missed; records read twice are not applied twice."),
            Setting.optional(SOAP_POLL_INTERVAL, "5m", "How often the SOAP service is polled (on one instance of a cluster)."),
            Setting.optional(SOAP_DELETIONS, "true",
                    "true: after a poll that read every record, the source's portal patients the service no longer lists are archived, "
                            + "and after each page, the upcoming appointments its records no longer list leave the patients' view (deleted "
                            + "at the service; README \"Legacy SOAP source\"). false: for a service whose answer is not its whole list."),
            Setting.optional(SOAP_DELETIONS_MAX_PERCENT, "10",
                    "Most patients one full read may archive as deleted, in percent of the source's active portal patients, and most "
                            + "appointments one page may remove, in percent of its patients' upcoming ones (at least 5 are always allowed); "
                            + "a read that would remove more removes none and raises a SOAP_DELETIONS_HELD alert."),
            Setting.optional(SOAP_FULL_READ_INTERVAL, "24h",
                    "With changed-since on: how often a poll reads every record instead of the changes, so that deletions (which "
                            + "ChangedSince cannot show) are found. Without changed-since every poll reads every record."),
            Setting.optional(SOAP_PAGE_SIZE, "100", "Records asked for per page (the request's PageSize)."),
            Setting.optional(SOAP_MAX_PAGES, "1000",
                    "A poll that still has more pages after this many fails with an alert: a service that ignores Page would loop."),
            Setting.optional(SOAP_USERNAME, "",
                    "User name of the WS-Security UsernameToken sent with each request; empty: no WS-Security header."),
            Setting.secret(SOAP_PASSWORD,
                    "Password of the WS-Security UsernameToken (environment variable PORTAL_SYNC_SOURCE_SOAP_PASSWORD); sent as "
                            + "PasswordText, so the URL must be https:// unless it is loopback."),
            Setting.optional(SOAP_PASSWORD_FILE, "", "File that holds the SOAP password (e.g. a mounted secret); used when password is empty."),
            Setting.optional(HL7V2_OUTBOUND_ENABLED, "false",
                    "true: a portal cancellation of an appointment of the legacy source (outbound.source) is sent to its EHR as "
                            + "SIU^S15 over MLLP, and the engine waits for the ACK (README \"Cancelling a legacy EHR's appointment\")."),
            Setting.optional(HL7V2_OUTBOUND_HOST, "", "Host of the legacy EHR's MLLP listener; required when outbound.enabled is true."),
            Setting.optional(HL7V2_OUTBOUND_PORT, "2575", "TCP port of the legacy EHR's MLLP listener."),
            Setting.optional(HL7V2_OUTBOUND_TIMEOUT, "30s",
                    "How long the engine waits for the legacy EHR's ACK; without one in time the cancellation is tried again later, "
                            + "as a write-back to an EHR that is down."),
            Setting.optional(HL7V2_OUTBOUND_SOURCE, "legacy-adt",
                    "The source name (a mapping's source) whose appointments are cancelled at the legacy EHR with SIU^S15."),
            Setting.optional(WEBHOOK_ENABLED, "false",
                    "true: the engine takes notifications from the EHR at POST /webhooks/<portal-sync.source.name> on the API's server "
                            + "(README \"Webhooks\"); needs portal-sync.api.enabled."),
            Setting.secret(WEBHOOK_SECRET,
                    "Shared secret the EHR signs its notifications with (HMAC-SHA256); environment variable PORTAL_SYNC_WEBHOOK_SECRET. "
                            + "Empty: only unsigned FHIR Subscription notifications are taken, every other request is refused."),
            Setting.optional(WEBHOOK_SECRET_FILE, "", "File that holds the webhook secret (e.g. a mounted secret); used when webhook.secret is empty."),
            Setting.optional(WEBHOOK_MAX_AGE, "5m",
                    "A signed notification whose X-PortalSync-Timestamp is further than this from the engine's clock is refused (401)."),
            Setting.optional(WEBHOOK_RESOURCE_TYPES, "Patient,Coverage,Appointment",
                    "Resource types a notification may name; each is synced by direct:fhir-<type>-refresh. A type not listed, or "
                            + "without that route, is refused with 422."),
            Setting.optional(WEBHOOK_WORKERS, "2",
                    "Resources from the webhook inbox synced at the same time (never two on the same resource). Keep it below "
                            + "portal-sync.db.pool-size."),
            Setting.optional(WEBHOOK_BATCH_SIZE, "20",
                    "Most resources of one type an inbox worker reads from the EHR in one search (_id=a,b,c) when notifications "
                            + "come faster than they are synced; 1: one read per resource."),
            Setting.optional(WEBHOOK_BATCH_AFTER, "1s",
                    "How long a resource may wait in the webhook inbox before the worker that takes it catches up with a search for it "
                            + "and up to portal-sync.webhook.batch-size - 1 other waiting resources of its type; until then each resource is "
                            + "read by id (quicker, and cheaper for most FHIR servers). 0s: a search whenever several wait."),
            Setting.optional(WEBHOOK_SWEEP_INTERVAL, "10s",
                    "How often the webhook inbox is searched for rows still pending (left by a restart, or a full queue)."),
            Setting.optional(WEBHOOK_CLAIM_TIMEOUT, "5m",
                    "A resource claimed by a worker that stopped (a crash) may be synced by another worker after this long."),
            Setting.optional(SUBSCRIPTION_HEARTBEAT_PERIOD, "1m",
                    "The heartbeat period the EHR's FHIR Subscriptions were created with (backport heartbeatPeriod)."),
            Setting.optional(SUBSCRIPTION_HEARTBEAT_MISSES, "3",
                    "A Subscription silent for this many heartbeat periods gets a catch-up poll, once per silence."),
            Setting.optional(SUBSCRIPTION_CHECK_INTERVAL, "30s", "How often Subscriptions are checked for silence and catch-ups due are run."),
            Setting.optional(SUBSCRIPTION_CATCH_UP_TYPES, "Patient",
                    "Resource types polled by the catch-up of a Subscription that has not named any resource yet; otherwise the "
                            + "types its notifications named."));


    private static final Map<String, Setting> BY_KEY = new LinkedHashMap<>();

    static {
        KEYS.forEach(setting -> BY_KEY.put(setting.key(), setting));
    }

    private final Function<String, Optional<String>> resolver;
    private final String origin;
    private final List<UnknownSettings.ConfiguredName> configuredNames;

    /**
     * @param resolver looks a key up (Camel's properties component: file, environment, system properties)
     * @param origin   where the values come from, for error messages (e.g. {@code config/application.properties})
     */
    public PortalSyncSettings(Function<String, Optional<String>> resolver, String origin) {
        this(resolver, origin, List.of());
    }

    /** @param configuredNames every portal-sync name that was set, wherever; {@link #validate} rejects the unknown ones */
    public PortalSyncSettings(Function<String, Optional<String>> resolver, String origin,
            List<UnknownSettings.ConfiguredName> configuredNames) {
        this.resolver = resolver;
        this.origin = origin;
        this.configuredNames = List.copyOf(configuredNames);
    }

    /** Checks every key at once so that an operator sees all mistakes in one start. */
    public PortalSyncSettings validate() {
        List<String> problems = new ArrayList<>(UnknownSettings.problems(configuredNames));
        for (Setting setting : KEYS) {
            if (setting.isRequired() && raw(setting.key()).isBlank()) {
                problems.add(setting.key() + " is required: " + setting.description()
                        + " (or set environment variable " + setting.environmentVariable() + ")");
            }
        }
        check(problems, () -> positiveInt(FHIR_PAGE_SIZE));
        check(problems, () -> positiveInt(FHIR_REQUESTS_PER_MINUTE));
        check(problems, () -> requestsPerThrottleWindow());
        check(problems, () -> positiveInt(DB_POOL_SIZE));
        check(problems, () -> {
            if (positiveInt(SYNC_WORKERS) >= dbPoolSize()) {
                throw invalid(SYNC_WORKERS, raw(SYNC_WORKERS), "fewer than portal-sync.db.pool-size (" + dbPoolSize()
                        + "): each worker holds a connection, and the poll needs one more");
            }
            return null;
        });
        check(problems, () -> positiveInt(RETRY_BACKOFF));
        check(problems, () -> nonNegativeInt(RETRY_MAXIMUM));
        check(problems, () -> nonNegativeInt(FHIR_NOT_FOUND_ALERT_THRESHOLD));
        check(problems, () -> nonNegativeInt(RETRY_FIRST_DELAY));
        check(problems, () -> bool(WELCOME_ENABLED));
        check(problems, () -> bool(MANAGEMENT_ENABLED));
        check(problems, () -> positiveInt(RESYNC_MAX_ATTEMPTS));
        check(problems, () -> {
            if (bool(WRITE_BACK_ENABLED) && authEnabled() && !grantsWrite(raw(AUTH_SCOPE), "Patient")) {
                throw invalid(AUTH_SCOPE, raw(AUTH_SCOPE), "a scope that lets the engine update patients (e.g. system/Patient.write, "
                        + "or system/Patient.u in SMART v2) while portal-sync.write-back.enabled is true");
            }
            if (bool(WRITE_BACK_ENABLED) && bool(INSURANCE_ENABLED) && authEnabled() && !grantsWrite(raw(AUTH_SCOPE), "Coverage")) {
                throw invalid(AUTH_SCOPE, raw(AUTH_SCOPE), "a scope that lets the engine create and update insurance (e.g. "
                        + "system/Coverage.write) while portal-sync.write-back.enabled and portal-sync.insurance.enabled are true");
            }
            return null;
        });
        check(problems, () -> positiveInt(WRITE_BACK_MAX_ATTEMPTS));
        check(problems, () -> positiveInt(WRITE_BACK_MAX_CONFLICT_RETRIES));
        check(problems, () -> positiveInt(WELCOME_MAX_ATTEMPTS));
        check(problems, () -> positiveInt(HEALTH_MAX_MISSED_POLLS));
        check(problems, this::managementPort);
        check(problems, () -> positiveInt(WELCOME_MINOR_AGE));
        check(problems, () -> choice(WELCOME_INITIAL_LOAD, WelcomePolicy.InitialLoad.class));
        check(problems, () -> choice(WELCOME_MINORS, WelcomePolicy.Minors.class));
        check(problems, () -> choice(FHIR_INITIAL_LOAD, InitialLoadMethod.class));
        check(problems, () -> exportEndpoint());
        for (String key : List.of(WRITE_BACK_INTERVAL, DB_CONNECTION_TIMEOUT, RESYNC_INTERVAL, JOURNAL_IMPORT_INTERVAL, WELCOME_INTERVAL, FHIR_POLL_INTERVAL, FHIR_POLL_OVERLAP, FHIR_CONNECT_TIMEOUT, FHIR_READ_TIMEOUT,
                FHIR_MAX_RETRY_AFTER, FHIR_NOT_FOUND_ALERT_WINDOW, ALERT_INTERVAL, ALERT_WINDOW, HEALTH_PROBE_INTERVAL, AUTH_REFRESH_BEFORE_EXPIRY, FHIR_EXPORT_MAX_POLL_WAIT, FHIR_EXPORT_TIMEOUT)) {
            check(problems, () -> duration(key));
        }
        check(problems, this::zone);
        check(problems, () -> bool(FHIR_ALLOW_INSECURE_HTTP));
        check(problems, () -> secureUrl(FHIR_BASE_URL));
        check(problems, () -> secureUrl(AUTH_TOKEN_URL));
        check(problems, () -> searchParameters(FHIR_PATIENT_SEARCH));
        check(problems, () -> searchParameters(INSURANCE_COVERAGE_SEARCH));
        check(problems, () -> searchParameters(APPOINTMENTS_SEARCH));
        check(problems, () -> bool(APPOINTMENTS_ENABLED));
        check(problems, () -> oneOf(APPOINTMENTS_BOOKING_STATUS, "booked", "proposed"));
        check(problems, this::locationZones);
        check(problems, this::appointmentRealtimeFields);
        check(problems, () -> bool(RECONCILIATION_ENABLED));
        check(problems, () -> bool(RECONCILIATION_REPAIR));
        check(problems, () -> positiveInt(RECONCILIATION_DAYS));
        check(problems, this::reconciliationCron);
        check(problems, () -> cron(DIGEST_CRON));
        check(problems, () -> bool(DIGEST_ENABLED));
        check(problems, () -> bool(DIGEST_ALL_CLEAR));
        check(problems, () -> bool(RETENTION_ENABLED));
        check(problems, () -> cron(RETENTION_CRON));
        check(problems, this::inboxRetention);
        check(problems, () -> positiveInt(ALERT_MAIL_PORT));
        check(problems, () -> oneOf(ALERT_MAIL_PROTOCOL, "smtp", "smtps"));
        check(problems, this::alertWebhookUrl);
        check(problems, () -> bool(INSURANCE_ENABLED));
        check(problems, () -> bool(SYNC_PAGE_TRANSACTION));
        check(problems, this::authMethod);
        check(problems, this::dryRun);
        check(problems, () -> bool(API_ENABLED));
        check(problems, this::apiPort);
        check(problems, this::apiMaxBodyBytes);
        check(problems, this::apiTls);
        check(problems, this::apiBindAddress);
        check(problems, () -> {
            if (bool(WEBHOOK_ENABLED) && !bool(API_ENABLED)) {
                throw invalid(WEBHOOK_ENABLED, raw(WEBHOOK_ENABLED), "false while " + API_ENABLED + " is false: the webhook "
                        + "endpoint is served by the API's server");
            }
            return null;
        });
        check(problems, () -> {
            if (bool(CONSOLE_ENABLED) && !bool(API_ENABLED)) {
                throw invalid(CONSOLE_ENABLED, raw(CONSOLE_ENABLED), "false while " + API_ENABLED + " is false: the console "
                        + "is served by the API's server");
            }
            return null;
        });
        check(problems, () -> duration(CONSOLE_SESSION_TIMEOUT));
        check(problems, () -> duration(CONSOLE_LOGIN_LOCKOUT));
        check(problems, () -> positiveInt(CONSOLE_LOGIN_MAX_FAILURES));
        check(problems, this::webhookSecret);
        check(problems, () -> positiveInt(SUBSCRIPTION_HEARTBEAT_MISSES));
        check(problems, () -> {
            if (positiveInt(WEBHOOK_WORKERS) >= dbPoolSize()) {
                throw invalid(WEBHOOK_WORKERS, raw(WEBHOOK_WORKERS), "fewer than portal-sync.db.pool-size (" + dbPoolSize()
                        + "): each worker holds a connection while it syncs");
            }
            return null;
        });
        check(problems, () -> {
            if (positiveInt(HL7V2_INBOX_WORKERS) >= dbPoolSize()) {
                throw invalid(HL7V2_INBOX_WORKERS, raw(HL7V2_INBOX_WORKERS), "fewer than portal-sync.db.pool-size (" + dbPoolSize()
                        + "): each worker holds a connection while it applies a message");
            }
            return null;
        });
        check(problems, () -> bool(HL7V2_MLLP_ENABLED));
        check(problems, () -> nonNegativeInt(HL7V2_MLLP_PORT));
        check(problems, () -> positiveInt(HL7V2_MLLP_MAX_CONNECTIONS));
        check(problems, () -> bool(HL7V2_FILE_ENABLED));
        check(problems, () -> hl7v2FileCharset());
        check(problems, () -> bool(SOAP_ENABLED));
        check(problems, () -> bool(SOAP_CHANGED_SINCE));
        check(problems, () -> bool(SOAP_DELETIONS));
        check(problems, () -> {
            int percent = positiveInt(SOAP_DELETIONS_MAX_PERCENT);
            if (percent > 100) {
                throw invalid(SOAP_DELETIONS_MAX_PERCENT, String.valueOf(percent), "a percentage from 1 to 100");
            }
            return percent;
        });
        check(problems, () -> positiveInt(SOAP_PAGE_SIZE));
        check(problems, () -> positiveInt(SOAP_MAX_PAGES));
        check(problems, this::soapUrl);
        check(problems, () -> nonNegativeInt(HL7V2_OUTBOUND_PORT));
        check(problems, () -> {
            if (bool(HL7V2_OUTBOUND_ENABLED) && raw(HL7V2_OUTBOUND_HOST).isBlank()) {
                throw invalid(HL7V2_OUTBOUND_HOST, "", "the legacy EHR's MLLP host, required when " + HL7V2_OUTBOUND_ENABLED + " is true");
            }
            return null;
        });
        check(problems, () -> bool(DOCUMENT_ENABLED));
        for (String key : List.of(HL7V2_MAPPINGS_RESCAN_INTERVAL, HL7V2_INBOX_SWEEP_INTERVAL, HL7V2_FILE_POLL_INTERVAL, HL7V2_FILE_READY_AFTER,
                DOCUMENT_POLL_INTERVAL, DOCUMENT_READY_AFTER,
                HL7V2_OUTBOUND_TIMEOUT, SOAP_POLL_INTERVAL, SOAP_CHANGED_SINCE_OVERLAP, SOAP_FULL_READ_INTERVAL, WEBHOOK_MAX_AGE, WEBHOOK_BATCH_AFTER, WEBHOOK_SWEEP_INTERVAL,
                WEBHOOK_CLAIM_TIMEOUT,
                SUBSCRIPTION_HEARTBEAT_PERIOD, SUBSCRIPTION_CHECK_INTERVAL)) {
            check(problems, () -> duration(key));
        }
        check(problems, () -> {
            String country = defaultCountry();
            if (!java.util.Set.of(java.util.Locale.getISOCountries()).contains(country)) {
                throw invalid(MAPPING_DEFAULT_COUNTRY, country, "an ISO 3166-1 alpha-2 code such as US");
            }
            return country;
        });
        check(problems, () -> {
            if (authEnabled() && PRIVATE_KEY_JWT.equals(raw(AUTH_METHOD)) && (clientId().isBlank() || raw(AUTH_PRIVATE_KEY_FILE).isBlank())) {
                throw new ConfigurationException(AUTH_METHOD + " is " + PRIVATE_KEY_JWT + ", so " + AUTH_CLIENT_ID + " and "
                        + AUTH_PRIVATE_KEY_FILE + " (the engine's private key; README, \"Registering the engine with an EHR as a "
                        + "backend service\") are required");
            }
            return null;
        });
        check(problems, () -> {
            if (authEnabled() && !PRIVATE_KEY_JWT.equals(raw(AUTH_METHOD)) && (clientId().isBlank() || clientSecret().isBlank())) {
                throw new ConfigurationException(AUTH_TOKEN_URL + " or " + AUTH_CLIENT_ID + " is set, so " + AUTH_CLIENT_ID + " and a client secret ("
                        + AUTH_CLIENT_SECRET + " / environment variable PORTAL_SYNC_SOURCE_FHIR_AUTH_CLIENT_SECRET, or "
                        + AUTH_CLIENT_SECRET_FILE + ") are required");
            }
            return null;
        });
        if (!problems.isEmpty()) {
            throw new ConfigurationException("Invalid configuration (" + origin + ", environment, system properties):\n  - "
                    + String.join("\n  - ", problems));
        }
        return this;
    }

    private static void check(List<String> problems, java.util.concurrent.Callable<?> check) {
        try {
            check.call();
        } catch (ConfigurationException e) {
            problems.add(e.getMessage());
        } catch (Exception e) {
            problems.add(e.toString());
        }
    }

    /** The value as configured, or the key's default; never null. */
    public String raw(String key) {
        Setting setting = BY_KEY.get(key);
        if (setting == null) {
            throw new IllegalArgumentException("unknown setting " + key);
        }
        return resolver.apply(key).map(String::trim).orElse(setting.defaultValue() == null ? "" : setting.defaultValue());
    }

    public String sourceName() {
        return raw(SOURCE_NAME);
    }

    /**
     * A patient message (portal-sync.patient-message.*) with the practice's phone number put in; without
     * a number configured, "at {practice-phone}" is left out and a {practice-phone} elsewhere reads "our
     * front desk", so that no patient ever reads the placeholder.
     */
    public String patientMessage(String key) {
        String message = raw(key);
        String phone = raw(PRACTICE_PHONE);
        if (phone.isEmpty()) {
            return message.replace(" at " + PRACTICE_PHONE_PLACEHOLDER, "").replace(PRACTICE_PHONE_PLACEHOLDER, "our front desk");
        }
        return message.replace(PRACTICE_PHONE_PLACEHOLDER, phone);
    }

    public String fhirBaseUrl() {
        String url = raw(FHIR_BASE_URL);
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The extra search parameters of a feed's setting, each value URL-encoded. */
    public String searchParameters(String key) {
        String value = raw(key);
        try {
            return SearchParameters.encode(value);
        } catch (IllegalArgumentException e) {
            throw invalid(key, value, SearchParameters.EXPECTED);
        }
    }

    public int pageSize() {
        return positiveInt(FHIR_PAGE_SIZE);
    }

    public Duration dependentFeedWait() {
        return duration(SYNC_DEPENDENT_FEED_WAIT);
    }

    public Duration pollOverlap() {
        return duration(FHIR_POLL_OVERLAP);
    }

    public int requestsPerMinute() {
        return positiveInt(FHIR_REQUESTS_PER_MINUTE);
    }

    /**
     * Requests allowed in one throttle window: requests-per-minute scaled to the window, rounded down so that the
     * minute's budget is never exceeded.
     */
    public int requestsPerThrottleWindow() {
        String value = raw(FHIR_THROTTLE_WINDOW);
        long windowMillis;
        try {
            // the routes hand the value to Camel's throttle, which reads 500ms, 10s or 1m, not ISO-8601
            windowMillis = TimeUtils.toMilliSeconds(value);
        } catch (RuntimeException e) {
            throw invalid(FHIR_THROTTLE_WINDOW, value, "a duration such as 1s, 10s or 1m");
        }
        if (windowMillis < 1 || windowMillis > Duration.ofHours(1).toMillis()) {
            throw invalid(FHIR_THROTTLE_WINDOW, value, "a duration from 1ms to 1h");
        }
        long perWindow = requestsPerMinute() * windowMillis / Duration.ofMinutes(1).toMillis();
        if (perWindow < 1) {
            throw invalid(FHIR_THROTTLE_WINDOW, value, "a window in which " + FHIR_REQUESTS_PER_MINUTE + " (" + requestsPerMinute()
                    + ") allows at least one request: at least " + (Duration.ofMinutes(1).toMillis() + requestsPerMinute() - 1) / requestsPerMinute()
                    + "ms");
        }
        return (int) Math.min(Integer.MAX_VALUE, perWindow);
    }

    public Duration connectTimeout() {
        return duration(FHIR_CONNECT_TIMEOUT);
    }

    public Duration readTimeout() {
        return duration(FHIR_READ_TIMEOUT);
    }

    public Duration maxRetryAfter() {
        return duration(FHIR_MAX_RETRY_AFTER);
    }

    /** {@code portal-sync.source.fhir.initial-load}: how a source's first full read is done. */
    public enum InitialLoadMethod {
        SEARCH, EXPORT, AUTO
    }

    public InitialLoadMethod initialLoad() {
        return choice(FHIR_INITIAL_LOAD, InitialLoadMethod.class);
    }

    /** The Bulk Data kick-off path, relative to the base URL: {@code $export}, {@code Patient/$export}, {@code Group/<id>/$export}. */
    public String exportEndpoint() {
        String value = raw(FHIR_EXPORT_ENDPOINT).strip();
        if (!value.matches("(([A-Z][A-Za-z]+/)([A-Za-z0-9\\-.]{1,64}/)?)?\\$export")) {
            throw invalid(FHIR_EXPORT_ENDPOINT, value, "$export, Patient/$export or Group/<id>/$export");
        }
        return value;
    }

    public Duration exportMaxPollWait() {
        return duration(FHIR_EXPORT_MAX_POLL_WAIT);
    }

    public Duration exportTimeout() {
        return duration(FHIR_EXPORT_TIMEOUT);
    }

    public int notFoundAlertThreshold() {
        return nonNegativeInt(FHIR_NOT_FOUND_ALERT_THRESHOLD);
    }

    public Duration notFoundAlertWindow() {
        return duration(FHIR_NOT_FOUND_ALERT_WINDOW);
    }

    /** @return the zones {@link #APPOINTMENTS_LOCATION_ZONES} declares, by location id or identifier */
    public Map<String, ZoneId> locationZones() {
        try {
            return org.portalsync.appointment.FacilityZones.parse(raw(APPOINTMENTS_LOCATION_ZONES));
        } catch (IllegalArgumentException e) {
            throw invalid(APPOINTMENTS_LOCATION_ZONES, raw(APPOINTMENTS_LOCATION_ZONES), e.getMessage());
        }
    }

    /** @return the fields {@link #APPOINTMENTS_REALTIME_FIELDS} names, every appointment field for {@code all} */
    public Set<AuthorityField> appointmentRealtimeFields() {
        String value = raw(APPOINTMENTS_REALTIME_FIELDS).strip();
        List<AuthorityField> all = AuthorityField.of(
                AuthorityField.Entity.APPOINTMENT);
        if (value.equals("all")) {
            return Set.copyOf(all);
        }
        Set<AuthorityField> fields = new HashSet<>();
        for (String name : value.split(",")) {
            fields.add(AuthorityField.byName(AuthorityField.Entity.APPOINTMENT, name.strip())
                    .orElseThrow(() -> invalid(APPOINTMENTS_REALTIME_FIELDS, value, "all, or appointment fields of config/authority.yaml "
                            + "separated by commas: " + all.stream().map(AuthorityField::configName)
                            .collect(Collectors.joining(", ")))));
        }
        return Set.copyOf(fields);
    }

    public boolean reconciliationRepair() {
        return bool(RECONCILIATION_REPAIR);
    }

    /** @return {@link #RECONCILIATION_CRON} as Quartz reads it */
    public String reconciliationCron() {
        return cron(RECONCILIATION_CRON);
    }

    private String oneOf(String key, String... allowed) {
        String value = raw(key);
        if (!List.of(allowed).contains(value)) {
            throw invalid(key, value, String.join(" or ", allowed));
        }
        return value;
    }

    /** @return {@link #RETENTION_INBOX}: at least a day, and longer than a webhook request may be old when it arrives */
    public Duration inboxRetention() {
        Duration retention = duration(RETENTION_INBOX);
        if (retention.compareTo(Duration.ofDays(1)) < 0 || retention.compareTo(duration(WEBHOOK_MAX_AGE)) <= 0) {
            throw invalid(RETENTION_INBOX, raw(RETENTION_INBOX), "at least 1d and longer than " + WEBHOOK_MAX_AGE
                    + ": a request or message sent again within it must still be recognised");
        }
        return retention;
    }

    private String cron(String key) {
        String value = raw(key).strip();
        if (!CronExpression.isValidExpression(value)) {
            throw invalid(key, value, "a Quartz cron expression with seconds, e.g. 0 30 5 * * ? (05:30 every day)");
        }
        return value;
    }

    /** The SMTP password for alert and digest mail, from the setting (environment) or its file; empty when none. */
    public String alertMailPassword() {
        return secretOrFile(ALERT_MAIL_PASSWORD, ALERT_MAIL_PASSWORD_FILE);
    }

    /** The chat webhook's URL, from the setting (environment) or its file; empty when there is none. */
    public String alertWebhookUrl() {
        String url = secretOrFile(ALERT_WEBHOOK_URL, ALERT_WEBHOOK_URL_FILE);
        if (url.isEmpty()) {
            return url;
        }
        if (!isHttpsOrLoopbackHttp(url)) {
            throw new ConfigurationException(ALERT_WEBHOOK_URL + "=" + Secrets.redact(url)
                    + " is invalid: expected an https:// URL (plain http:// only to a loopback address)");
        }
        return url;
    }

    /** Comma-separated addresses of a setting, blanks dropped. */
    public List<String> addresses(String key) {
        return java.util.Arrays.stream(raw(key).split(",")).map(String::strip).filter(a -> !a.isEmpty()).toList();
    }

    public ZoneId zone() {
        String value = raw(FHIR_ZONE);
        try {
            return ZoneId.of(value);
        } catch (Exception e) {
            throw invalid(FHIR_ZONE, value, "an IANA zone id such as America/New_York");
        }
    }

    /**
     * An absolute http(s) URL; plain http only to loopback (tests, the demo, a sidecar) unless
     * {@link #FHIR_ALLOW_INSECURE_HTTP} says otherwise: the bearer token and the client secret go there.
     */
    private String secureUrl(String key) {
        return secureUrl(key, raw(key));
    }

    private String secureUrl(String key, String value) {
        if (value.isBlank()) {
            return value;
        }
        java.net.URI uri;
        try {
            uri = java.net.URI.create(value);
        } catch (IllegalArgumentException e) {
            throw invalid(key, value, "an absolute URL such as https://ehr.example.org/fhir");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw invalid(key, value, "an absolute URL such as https://ehr.example.org/fhir");
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost()) && !bool(FHIR_ALLOW_INSECURE_HTTP)) {
            throw invalid(key, value, "an https:// URL: plain http sends the access token and patient data unencrypted and is "
                    + "allowed only to loopback (for a sandbox EHR on another host set " + FHIR_ALLOW_INSECURE_HTTP + "=true)");
        }
        return value;
    }

    /** localhost, 127.0.0.0/8 or ::1, by name or literal; no DNS lookup. */
    static boolean isLoopback(String host) {
        String name = host.toLowerCase(java.util.Locale.ROOT);
        if (name.equals("localhost")) {
            return true;
        }
        // an IPv6 literal comes bracketed from a URL ([::1]) and bare from a bind address (::1)
        if (name.matches("\\d{1,3}(\\.\\d{1,3}){3}") || name.startsWith("[") || name.contains(":")) {
            try {
                return java.net.InetAddress.getByName(name.replace("[", "").replace("]", "")).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    public String tokenUrl() {
        return raw(AUTH_TOKEN_URL);
    }

    public String clientId() {
        return raw(AUTH_CLIENT_ID);
    }

    /** The client secret from the setting (normally an environment variable) or else from the secret file. */
    public String clientSecret() {
        return secretOrFile(AUTH_CLIENT_SECRET, AUTH_CLIENT_SECRET_FILE);
    }

    private String secretOrFile(String key, String fileKey) {
        String secret = raw(key);
        if (!secret.isBlank()) {
            return secret;
        }
        String file = raw(fileKey);
        if (file.isBlank()) {
            return "";
        }
        try {
            return Files.readString(home().resolve(file), StandardCharsets.UTF_8).trim();
        } catch (Exception e) {
            throw new ConfigurationException(fileKey + "=" + file + ": cannot read the secret file ("
                    + e.getClass().getSimpleName() + "); check the path and its permissions");
        }
    }

    public boolean webhookEnabled() {
        return bool(WEBHOOK_ENABLED);
    }

    /** The webhook signing secret of this engine's source, from the setting (environment) or its file; empty when none. */
    public String webhookSecret() {
        return secretOrFile(WEBHOOK_SECRET, WEBHOOK_SECRET_FILE);
    }

    public String authMethod() {
        String value = raw(AUTH_METHOD);
        if (!value.equals("client_secret_basic") && !value.equals("client_secret_post") && !value.equals(PRIVATE_KEY_JWT)) {
            throw invalid(AUTH_METHOD, value, "client_secret_basic, client_secret_post or " + PRIVATE_KEY_JWT);
        }
        return value;
    }

    private static final String PRIVATE_KEY_JWT = "private_key_jwt";

    /** True when the engine authenticates at all: a token URL, or a client id whose token URL is discovered. */
    public boolean authEnabled() {
        return !raw(AUTH_TOKEN_URL).isBlank() || !raw(AUTH_CLIENT_ID).isBlank();
    }

    /** private_key_jwt's key file, resolved against the home. */
    public Path privateKeyFile() {
        return home().resolve(raw(AUTH_PRIVATE_KEY_FILE)).normalize();
    }

    /** A PKCS#12 key file's password, from the setting (normally an environment variable) or else its file. */
    public String privateKeyPassword() {
        return secretOrFile(AUTH_PRIVATE_KEY_PASSWORD, AUTH_PRIVATE_KEY_PASSWORD_FILE);
    }

    public String keyId() {
        return raw(AUTH_KEY_ID);
    }

    /** A token endpoint found by discovery must pass the rule a configured one does (https, or loopback). */
    public String checkDiscoveredTokenUrl(String url) {
        return secureUrl(AUTH_TOKEN_URL, url);
    }

    public String authScope() {
        return raw(AUTH_SCOPE);
    }

    public Duration refreshBeforeExpiry() {
        return duration(AUTH_REFRESH_BEFORE_EXPIRY);
    }

    public String mrnSystem() {
        return raw(MAPPING_MRN_SYSTEM);
    }

    public String defaultCountry() {
        return raw(MAPPING_DEFAULT_COUNTRY).toUpperCase(java.util.Locale.ROOT);
    }

    /** The JDBC URL; a relative H2 file path ({@code jdbc:h2:file:./data/portal}) resolved against the home. */
    public String dbUrl() {
        String url = raw(DB_URL);
        String prefix = url.startsWith("jdbc:h2:file:") ? "jdbc:h2:file:" : "jdbc:h2:";
        String rest = url.substring(Math.min(url.length(), prefix.length()));
        // H2 2.x accepts a relative path only when it says so: ./ or ../
        if (!url.startsWith("jdbc:h2:") || !(rest.startsWith("./") || rest.startsWith("../"))) {
            return url;
        }
        int options = rest.indexOf(';');
        String path = options < 0 ? rest : rest.substring(0, options);
        return prefix + home().resolve(path).normalize() + (options < 0 ? "" : rest.substring(options));
    }

    public String dbUser() {
        return raw(DB_USER);
    }

    public String dbPassword() {
        return raw(DB_PASSWORD);
    }

    public int dbPoolSize() {
        return positiveInt(DB_POOL_SIZE);
    }

    public int syncWorkers() {
        return positiveInt(SYNC_WORKERS);
    }

    public boolean dryRun() {
        return bool(DRY_RUN);
    }

    public boolean bool(String key) {
        String value = raw(key);
        if (!value.equals("true") && !value.equals("false")) {
            throw invalid(key, value, "true or false");
        }
        return Boolean.parseBoolean(value);
    }

    public Path dryRunReportDir() {
        return home().resolve(raw(DRY_RUN_REPORT_DIR)).normalize();
    }

    public String auditActor() {
        return raw(AUDIT_ACTOR);
    }

    /** SMART v1 ({@code system/Patient.write}, {@code .*}) and v2 ({@code system/Patient.cu}, any letters with u) scopes that allow an update. */
    static boolean grantsWrite(String scopes, String resourceType) {
        return java.util.Arrays.stream(scopes.trim().split("\\s+"))
                .anyMatch(scope -> scope.matches("system/(" + resourceType + "|\\*)\\.(write|\\*|c?r?ud?s?)"));
    }

    public Path authorityFile() {
        return home().resolve(raw(AUTHORITY_FILE)).normalize();
    }

    public boolean pageTransaction() {
        return bool(SYNC_PAGE_TRANSACTION);
    }

    public boolean writeBackEnabled() {
        return bool(WRITE_BACK_ENABLED);
    }

    /** The SOAP endpoint: https://, or http:// to a loopback address (the UsernameToken is sent as plain text). */
    public String soapUrl() {
        String url = raw(SOAP_URL);
        if (!isHttpsOrLoopbackHttp(url) || url.contains("?")) {
            throw invalid(SOAP_URL, url, "an https:// URL without a query (plain http:// only to a loopback address)");
        }
        return url;
    }

    /** An https:// URL, or a plain http:// one to a loopback address: where a secret may be sent. */
    private static boolean isHttpsOrLoopbackHttp(String url) {
        java.net.URI uri;
        try {
            uri = java.net.URI.create(url);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return uri.getHost() != null && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()) && isLoopback(uri.getHost()));
    }

    public String soapPassword() {
        return secretOrFile(SOAP_PASSWORD, SOAP_PASSWORD_FILE);
    }

    public Path soapMapping() {
        return home().resolve(raw(SOAP_MAPPING)).normalize();
    }

    /** The SOAP source's appointment mapping, or null when the poll reads no appointments. */
    public Path soapAppointmentMapping() {
        return raw(SOAP_APPOINTMENT_MAPPING).isBlank() ? null : home().resolve(raw(SOAP_APPOINTMENT_MAPPING)).normalize();
    }

    public Path hl7v2FileDir() {
        return home().resolve(raw(HL7V2_FILE_DIR)).normalize();
    }

    public Path documentDir() {
        return home().resolve(raw(DOCUMENT_DIR)).normalize();
    }

    public java.nio.charset.Charset hl7v2FileCharset() {
        String name = raw(HL7V2_FILE_CHARSET);
        try {
            return java.nio.charset.Charset.forName(name);
        } catch (IllegalArgumentException e) {
            throw invalid(HL7V2_FILE_CHARSET, name, "an encoding this Java knows, e.g. UTF-8 or ISO-8859-1");
        }
    }

    public Path hl7v2MappingsDir() {
        return home().resolve(raw(HL7V2_MAPPINGS_DIR)).normalize();
    }

    public Path consoleUsersFile() {
        return home().resolve(raw(CONSOLE_USERS_FILE)).normalize();
    }

    public Path journalDir() {
        return home().resolve(raw(JOURNAL_DIR)).normalize();
    }

    public Duration resyncInterval() {
        return duration(RESYNC_INTERVAL);
    }

    public int resyncMaxAttempts() {
        return positiveInt(RESYNC_MAX_ATTEMPTS);
    }

    public Duration dbConnectionTimeout() {
        return duration(DB_CONNECTION_TIMEOUT);
    }

    public Path clusterLockDir() {
        return home().resolve(raw(CLUSTER_LOCK_DIR)).normalize();
    }

    public boolean apiEnabled() {
        return bool(API_ENABLED);
    }

    /** 0 to 65535; 0 lets the system pick a free port. */
    public int apiPort() {
        return port(API_PORT);
    }

    /** 0 to 65535; 0 lets the system pick a free port. */
    public int managementPort() {
        return port(MANAGEMENT_PORT);
    }

    private int port(String key) {
        int port = nonNegativeInt(key);
        if (port > 65535) {
            throw invalid(key, raw(key), "a TCP port, 0 to 65535");
        }
        return port;
    }

    public int apiMaxBodyBytes() {
        return positiveInt(API_MAX_BODY_BYTES);
    }

    /**
     * The address the API listens on. Loopback, or any address when TLS is configured: an API key and
     * the patient data it carries must not cross a network in clear text.
     */
    public String apiBindAddress() {
        String address = raw(API_BIND_ADDRESS);
        if (address.isBlank()) {
            throw invalid(API_BIND_ADDRESS, address, "an IP address or host name, e.g. 127.0.0.1");
        }
        if (!isLoopback(address) && apiTls().isEmpty()) {
            throw invalid(API_BIND_ADDRESS, address, "a loopback address such as 127.0.0.1, because no TLS is configured: "
                    + "on any other address API keys and patient data would cross the network unencrypted. Set "
                    + API_TLS_KEYSTORE + " and its password (environment variable PORTAL_SYNC_API_TLS_KEYSTORE_PASSWORD or "
                    + API_TLS_KEYSTORE_PASSWORD_FILE + "), or keep " + API_BIND_ADDRESS + "=127.0.0.1 behind a proxy that terminates TLS");
        }
        return address;
    }

    /** The API's key store and its password, checked by opening it; empty when the API speaks plain HTTP. */
    public Optional<ApiTls> apiTls() {
        String keystore = raw(API_TLS_KEYSTORE);
        if (keystore.isBlank()) {
            return Optional.empty();
        }
        Path file = home().resolve(keystore).normalize();
        String password = raw(API_TLS_KEYSTORE_PASSWORD);
        if (password.isEmpty() && !raw(API_TLS_KEYSTORE_PASSWORD_FILE).isBlank()) {
            String passwordFile = raw(API_TLS_KEYSTORE_PASSWORD_FILE);
            try {
                password = Files.readString(home().resolve(passwordFile), StandardCharsets.UTF_8).strip();
            } catch (Exception e) {
                throw new ConfigurationException(API_TLS_KEYSTORE_PASSWORD_FILE + "=" + passwordFile + ": cannot read the password file ("
                        + e.getClass().getSimpleName() + "); check the path and its permissions");
            }
        }
        try (var in = Files.newInputStream(file)) {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
            boolean hasKey = false;
            for (String alias : java.util.Collections.list(store.aliases())) {
                hasKey |= store.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new ConfigurationException(API_TLS_KEYSTORE + "=" + keystore + " holds no private key: it needs the API's "
                        + "certificate and its key (keytool -genkeypair, or openssl pkcs12 -export)");
            }
        } catch (ConfigurationException e) {
            throw e;
        } catch (Exception e) {
            throw new ConfigurationException(API_TLS_KEYSTORE + "=" + keystore + ": cannot open it as a PKCS#12 key store ("
                    + e.getClass().getSimpleName() + (e.getCause() instanceof java.security.UnrecoverableKeyException
                            || String.valueOf(e.getMessage()).contains("password") ? ": wrong password?" : "")
                    + "); check the file and " + API_TLS_KEYSTORE_PASSWORD + " (PORTAL_SYNC_API_TLS_KEYSTORE_PASSWORD) or "
                    + API_TLS_KEYSTORE_PASSWORD_FILE);
        }
        return Optional.of(new ApiTls(file, password));
    }

    /** The API's key store, opened once at start-up to check it; the password is a secret (never logged). */
    public record ApiTls(Path keystore, String password) {
        @Override
        public String toString() {
            return "ApiTls[" + keystore + ", password " + Secrets.redact(password) + "]";
        }
    }

    /** The folder relative paths resolve against (see {@code PortalSyncHome}); the working directory when unset. */
    public Path home() {
        return Path.of(raw(HOME)).toAbsolutePath().normalize();
    }

    /** One of the enum's constants, written in lower case (skip for SKIP). */
    public <E extends Enum<E>> E choice(String key, Class<E> type) {
        String value = raw(key);
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(java.util.Locale.ROOT).equals(value)) {
                return constant;
            }
        }
        throw invalid(key, value, String.join(" or ", java.util.Arrays.stream(type.getEnumConstants())
                .map(constant -> constant.name().toLowerCase(java.util.Locale.ROOT)).toList()));
    }

    /** Accepts Camel's short form (500, 30s, 5m, 1h30m) and ISO-8601 (PT30S). */
    public Duration duration(String key) {
        String value = raw(key);
        try {
            if (value.toUpperCase(java.util.Locale.ROOT).startsWith("P")) {
                return Duration.parse(value);
            }
            return Duration.ofMillis(TimeUtils.toMilliSeconds(value));
        } catch (RuntimeException e) {
            // Camel's parser fails with index errors on words such as "soon"
            throw invalid(key, value, "a duration such as 30s, 5m or PT30S");
        }
    }

    public int positiveInt(String key) {
        int value = integer(key);
        if (value <= 0) {
            throw invalid(key, raw(key), "a whole number above 0");
        }
        return value;
    }

    public int nonNegativeInt(String key) {
        int value = integer(key);
        if (value < 0) {
            throw invalid(key, raw(key), "a whole number, 0 or more");
        }
        return value;
    }

    private int integer(String key) {
        String value = raw(key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw invalid(key, value, "a whole number");
        }
    }

    private ConfigurationException invalid(String key, String value, String expected) {
        Setting setting = BY_KEY.get(key);
        String shown = setting != null && setting.secret() ? Secrets.redact(value) : "'" + value + "'";
        return new ConfigurationException(key + "=" + shown + " is invalid: expected " + expected);
    }
}
