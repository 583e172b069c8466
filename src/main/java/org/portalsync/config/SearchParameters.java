package org.portalsync.config;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Extra FHIR search parameters an operator configures for a feed, e.g. {@code organization=Organization/1&_tag=...}. */
public final class SearchParameters {

    private SearchParameters() {
    }

    /** What a valid value looks like, for errors. */
    public static final String EXPECTED = "name=value pairs joined by &, e.g. organization=Organization/1";

    /**
     * @return the parameters with each value URL-encoded (a {@code |} in a token must be), or empty
     * @throws IllegalArgumentException when the value is not {@link #EXPECTED}
     */
    public static String encode(String value) {
        if (value == null || value.isBlank()) {
            return "";
        }
        StringBuilder query = new StringBuilder();
        for (String pair : value.strip().split("&")) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("expected " + EXPECTED);
            }
            query.append(query.length() == 0 ? "" : "&").append(pair, 0, equals).append('=')
                    .append(URLEncoder.encode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return query.toString();
    }
}
