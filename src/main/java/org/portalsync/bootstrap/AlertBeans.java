package org.portalsync.bootstrap;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.component.mail.MailEndpoint;
import org.apache.camel.spi.Registry;
import org.portalsync.alert.AlertDeliveries;
import org.portalsync.alert.AlertKind;
import org.portalsync.alert.AlertNotice;
import org.portalsync.alert.AlertRouting;
import org.portalsync.alert.DatabaseOutage;
import org.portalsync.alert.HoldDatabaseOutageAlert;
import org.portalsync.alert.ListHeldAlerts;
import org.portalsync.alert.ListUndeliveredAlerts;
import org.portalsync.alert.LogAlertChannelFailure;
import org.portalsync.alert.LogRunFailure;
import org.portalsync.alert.MarkAlertDelivered;
import org.portalsync.alert.PostAlertWebhook;
import org.portalsync.alert.PrepareAlertMessage;
import org.portalsync.alert.ProbePortalDatabase;
import org.portalsync.alert.RecoverEndedOutages;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.digest.CollectDigest;
import org.portalsync.digest.DigestStore;
import org.portalsync.digest.MarkDigestReported;
import org.portalsync.digest.WriteDigestMail;
import org.portalsync.metrics.SyncMetrics;
import org.portalsync.portal.PortalDatabase;

/** Binds the beans of the alert route (routes/alert-delivery.yaml), the daily digest (routes/data-quality-digest.yaml) and their mail endpoint. */
final class AlertBeans {

    private AlertBeans() {
    }

    static void bind(CamelContext camel, PortalSyncSettings settings, PortalDatabase database, HttpClient http, Clock clock) {
        Registry registry = camel.getRegistry();
        List<String> channels = new ArrayList<>();
        // a dry run sends nothing: without a channel its alerts stay unsent
        if (!settings.dryRun() && mailConfigured(settings) && !settings.addresses(PortalSyncSettings.ALERT_MAIL_TO).isEmpty()) {
            channels.add(AlertNotice.MAIL);
        }
        String webhook = settings.alertWebhookUrl();
        if (!webhook.isEmpty() && !settings.dryRun()) {
            channels.add(AlertNotice.WEBHOOK);
        }
        AlertRouting routing = AlertRouting.parse(PortalSyncSettings.ALERT_ROUTING, settings.raw(PortalSyncSettings.ALERT_ROUTING),
                PortalSyncSettings.ALERT_MAIL_TO_BY_KIND, settings.raw(PortalSyncSettings.ALERT_MAIL_TO_BY_KIND), channels);
        AlertDeliveries deliveries = new AlertDeliveries(database, routing,
                Map.of(settings.sourceName(), URI.create(settings.fhirBaseUrl()).getHost()));
        DatabaseOutage outage = new DatabaseOutage(routing.channels(AlertKind.PORTAL_DB_DOWN));
        registry.bind("alertMail", mailEndpoint(camel, settings));
        registry.bind("recoverEndedOutages", new RecoverEndedOutages(deliveries, clock));
        registry.bind("listUndeliveredAlerts", new ListUndeliveredAlerts(deliveries));
        registry.bind("holdDatabaseOutageAlert", new HoldDatabaseOutageAlert(outage, clock));
        registry.bind("probePortalDatabase", new ProbePortalDatabase(database, outage, clock));
        registry.bind("listHeldAlerts", new ListHeldAlerts(outage));
        registry.bind("prepareAlertMessage", new PrepareAlertMessage(routing, settings.addresses(PortalSyncSettings.ALERT_MAIL_TO),
                settings.raw(PortalSyncSettings.ALERT_MAIL_FROM), settings.raw(PortalSyncSettings.ALERT_RUNBOOK_URL).strip()));
        registry.bind("postAlertWebhook", new PostAlertWebhook(http, webhook));
        registry.bind("markAlertDelivered", new MarkAlertDelivered(deliveries, outage, clock,
                registry.lookupByNameAndType(SyncMetrics.REGISTRY_NAME, SyncMetrics.class)));
        registry.bind("logAlertChannelFailure", new LogAlertChannelFailure());

        DigestStore digests = new DigestStore(database, routing.digestOnly());
        List<String> digestTo = settings.addresses(PortalSyncSettings.DIGEST_TO).isEmpty()
                ? settings.addresses(PortalSyncSettings.ALERT_MAIL_TO) : settings.addresses(PortalSyncSettings.DIGEST_TO);
        if (!mailConfigured(settings) || digestTo.isEmpty() || settings.dryRun()) {
            // nowhere to send it (or a dry run, which sends nothing): the schedule does not start; the rows wait
            camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.DIGEST_ENABLED, "false");
        }
        registry.bind("collectDigest", new CollectDigest(digests, clock));
        registry.bind("writeDigestMail", new WriteDigestMail(digestTo, settings.raw(PortalSyncSettings.ALERT_MAIL_FROM),
                settings.raw(PortalSyncSettings.DIGEST_SUBJECT), settings.zone()));
        registry.bind("markDigestReported", new MarkDigestReported(digests, clock));
        registry.bind("logDigestFailure", new LogRunFailure("portal-sync.digest",
                "The data-quality digest was not sent; its entries stay for the next one"));
    }

    static boolean mailConfigured(PortalSyncSettings settings) {
        return !settings.raw(PortalSyncSettings.ALERT_MAIL_HOST).isBlank();
    }

    /**
     * The SMTP endpoint, built here so that its password (from the environment or a file) is set on its
     * configuration and never written into an endpoint URI, which Camel lists. Without a host it is bound
     * all the same (the routes name it) and never used: no channel or digest sends mail then.
     */
    private static MailEndpoint mailEndpoint(CamelContext camel, PortalSyncSettings settings) {
        String host = mailConfigured(settings) ? settings.raw(PortalSyncSettings.ALERT_MAIL_HOST).strip() : "localhost";
        MailEndpoint endpoint = camel.getEndpoint(settings.raw(PortalSyncSettings.ALERT_MAIL_PROTOCOL) + "://" + host + ":"
                + settings.positiveInt(PortalSyncSettings.ALERT_MAIL_PORT), MailEndpoint.class);
        String user = settings.raw(PortalSyncSettings.ALERT_MAIL_USER).strip();
        if (!user.isEmpty()) {
            endpoint.getConfiguration().setUsername(user);
            endpoint.getConfiguration().setPassword(settings.alertMailPassword());
        }
        endpoint.getConfiguration().setFrom(settings.raw(PortalSyncSettings.ALERT_MAIL_FROM));
        Properties tls = new Properties();
        // port 587: upgrade to TLS whenever the server offers it; with a login, insist on it
        tls.setProperty("mail.smtp.starttls.enable", "true");
        if (!user.isEmpty()) {
            tls.setProperty("mail.smtp.starttls.required", "true");
        }
        endpoint.getConfiguration().setAdditionalJavaMailProperties(tls);
        endpoint.getConfiguration().setConnectionTimeout(15_000);
        return endpoint;
    }
}
