package org.portalsync.auth;

import java.net.http.HttpClient;
import java.time.Clock;

import org.portalsync.audit.AuditTrail;
import org.portalsync.config.ConfigurationException;
import org.portalsync.config.PortalSyncSettings;
import org.portalsync.source.fhir.EhrUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine's {@link AccessTokenSource} as its settings describe it, checked at start-up. */
public final class ConfiguredTokenSource {

    private static final Logger LOG = LoggerFactory.getLogger(ConfiguredTokenSource.class);

    private ConfiguredTokenSource() {
    }

    /**
     * No auth without a token URL and a client id; else client credentials with a client secret or a signed assertion, at
     * the configured token URL or the one the EHR's {@code .well-known/smart-configuration} names. A key file that cannot
     * be used, or an EHR that answers that it names no token endpoint, stops start-up; an EHR that cannot be reached yet
     * is asked again at the first token request.
     */
    public static AccessTokenSource of(PortalSyncSettings settings, HttpClient http, Clock clock, AuditTrail audit) {
        if (!settings.authEnabled()) {
            return AccessTokenSource.NONE;
        }
        String method = settings.authMethod();
        ClientAuthentication authentication;
        if (PrivateKeyJwtAuthentication.METHOD.equals(method)) {
            SigningKeys keys = new SigningKeys(settings.privateKeyFile(), settings.keyId(), settings.privateKeyPassword());
            keys.current(); // read now: a wrong file, password or kid stops start-up
            authentication = new PrivateKeyJwtAuthentication(settings.clientId(), keys, clock);
        } else {
            authentication = new ClientSecretAuthentication(settings.clientId(), settings.clientSecret(), method);
        }
        TokenEndpoint endpoint;
        if (settings.tokenUrl().isBlank()) {
            SmartConfiguration discovered = new SmartConfiguration(http, settings.fhirBaseUrl(), method, settings::checkDiscoveredTokenUrl,
                    settings.readTimeout(), clock, audit, settings.auditActor());
            try {
                discovered.tokenUrl();
            } catch (AuthenticationFailedException e) {
                throw new ConfigurationException(e.getMessage());
            } catch (EhrUnavailableException e) {
                LOG.warn("Could not read the EHR's SMART configuration to find its token endpoint ({}); asking again at the first "
                        + "token request", e.getMessage());
            }
            endpoint = discovered;
        } else {
            endpoint = TokenEndpoint.fixed(settings.tokenUrl());
        }
        return new ClientCredentialsTokenSource(http, endpoint, settings.clientId(), authentication, settings.authScope(),
                settings.refreshBeforeExpiry(), settings.readTimeout(), clock, audit, settings.auditActor());
    }
}
