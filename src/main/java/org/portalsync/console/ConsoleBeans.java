package org.portalsync.console;

import java.time.Clock;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.portalsync.audit.AuditTrail;
import org.portalsync.authority.AuthorityRules;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.portal.PortalDatabase;
import org.portalsync.portal.PortalPatientStore;
import org.portalsync.reconciliation.ReconciliationStore;
import org.portalsync.source.hl7v2.Hl7v2Beans;
import org.portalsync.source.hl7v2.Hl7v2Mappings;
import org.portalsync.writeback.ShowPatientAuthority;

/**
 * Binds the beans of the operator console's routes ({@code routes/console*.yaml}), served by the API's server
 * under {@code /console}. The routes start only when the console is enabled and the API's server is open
 * ({@code autoStartup: "{{portal-sync.console.enabled}}"}); then its users file must hold at least one user.
 */
public final class ConsoleBeans {

    private ConsoleBeans() {
    }

    /** @param open whether the API's server runs (not in a dry run, not with the API disabled) */
    public static void bind(CamelContext camel, PortalSyncSettings settings, boolean open, PortalDatabase database, AuditTrail trail,
            AuthorityRules authority, PortalPatientStore patients, Clock clock) {
        boolean enabled = open && settings.bool(PortalSyncSettings.CONSOLE_ENABLED);
        camel.getPropertiesComponent().addOverrideProperty(PortalSyncSettings.CONSOLE_ENABLED, String.valueOf(enabled));
        ConsoleUsers users = new ConsoleUsers(settings.consoleUsersFile());
        if (enabled) {
            users.load();
        }
        var zone = settings.zone();
        Registry registry = camel.getRegistry();
        ConsoleAudit audit = new ConsoleAudit(trail, clock);
        ConsoleSessions sessions = new ConsoleSessions(database, settings.duration(PortalSyncSettings.CONSOLE_SESSION_TIMEOUT), clock);
        // HL7 v2 messages are applied on this engine (Hl7v2Beans, bound before): a legacy record's message can be applied again
        boolean hl7v2Inbox = camel.getPropertiesComponent().resolveProperty(Hl7v2Beans.INBOX_ACTIVE).map(Boolean::parseBoolean).orElse(false);
        ConsoleDeadLetters deadLetters = new ConsoleDeadLetters(database, settings.sourceName(), hl7v2Inbox);
        registry.bind("consoleAccess", new ConsoleAccess(sessions, users));
        registry.bind("writeConsoleError", new WriteConsoleError());
        registry.bind("auditConsoleRequest", new AuditConsoleRequest(audit));
        registry.bind("serveConsoleStyle", new ServeConsoleStyle());
        registry.bind("showConsoleSignIn", new ShowConsoleSignIn());
        registry.bind("signIntoConsole", new SignIntoConsole(users, sessions, new ConsoleSignInThrottle(database,
                settings.positiveInt(PortalSyncSettings.CONSOLE_LOGIN_MAX_FAILURES), settings.duration(PortalSyncSettings.CONSOLE_LOGIN_LOCKOUT), clock),
                audit));
        registry.bind("signOutOfConsole", new SignOutOfConsole(sessions));
        registry.bind("showConsoleOverview", new ShowConsoleOverview(database, settings.auditActor(), zone, clock));
        registry.bind("searchConsolePatients", new SearchConsolePatients(database, audit, zone));
        registry.bind("showConsolePatient", new ShowConsolePatient(database, patients,
                camel.getRegistry().lookupByNameAndType("showPatientAuthority", ShowPatientAuthority.class), deadLetters, audit, zone));
        registry.bind("listConsoleDeadLetters", new ListConsoleDeadLetters(deadLetters, new PatientLinks(database), zone));
        registry.bind("claimConsoleReplay", new ClaimConsoleReplay(deadLetters, audit, clock));
        registry.bind("reportConsoleReplay", new ReportConsoleReplay(deadLetters, audit));
        registry.bind("discardConsoleDeadLetters", new DiscardConsoleDeadLetters(deadLetters, audit, clock));
        registry.bind("showConsoleAuthority", new ShowConsoleAuthority(authority));
        registry.bind("showConsoleAlerts", new ShowConsoleAlerts(database, zone));
        registry.bind("showConsoleMappings", new ShowConsoleMappings(camel.getRegistry().lookupByNameAndType("hl7v2Mappings", Hl7v2Mappings.class),
                settings.bool(PortalSyncSettings.HL7V2_MLLP_ENABLED), database, zone));
        registry.bind("showConsoleReconciliation", new ShowConsoleReconciliation(database, new ReconciliationStore(database), settings.sourceName(), zone));
    }
}
