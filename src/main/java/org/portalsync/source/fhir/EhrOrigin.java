package org.portalsync.source.fhir;

import java.net.URI;
import java.util.Locale;

/**
 * Scheme, host and port of the EHR's configured base URL (RFC 6454 origin): the only place its
 * bearer token may go. A {@code next} link or any other URL the EHR hands back is checked against
 * it before the token is sent, so that a misconfigured or compromised EHR (or a proxy rewriting
 * links) cannot lead the token to another host, another port, or over plain http.
 */
public record EhrOrigin(String scheme, String host, int port) {

    public static EhrOrigin of(String url) {
        URI uri = URI.create(url);
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("not an absolute http(s) URL");
        }
        return new EhrOrigin(uri.getScheme().toLowerCase(Locale.ROOT), uri.getHost().toLowerCase(Locale.ROOT), port(uri));
    }

    /** True when the URL is on this origin; a relative or unparsable URL is not. */
    public boolean contains(URI uri) {
        return uri.getScheme() != null && uri.getHost() != null && scheme.equals(uri.getScheme().toLowerCase(Locale.ROOT))
                && host.equals(uri.getHost().toLowerCase(Locale.ROOT)) && port == port(uri);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : -1;
    }

    /** e.g. {@code https://ehr.example.org:443}. */
    @Override
    public String toString() {
        return scheme + "://" + host + ":" + port;
    }
}
