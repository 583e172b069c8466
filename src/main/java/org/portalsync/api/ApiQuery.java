package org.portalsync.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.Exchange;

/**
 * The query parameters of a request, read as strictly as its body: a parameter the endpoint does
 * not take, or one given twice, is refused with 400 rather than ignored.
 */
public final class ApiQuery {

    private final Map<String, String> values;

    private ApiQuery(Map<String, String> values) {
        this.values = values;
    }

    /** @param accepted the parameters the endpoint takes */
    public static ApiQuery of(Exchange exchange, Set<String> accepted) {
        String query = exchange.getIn().getHeader(Exchange.HTTP_QUERY, String.class);
        Map<String, String> values = new HashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int equals = pair.indexOf('=');
                String name = decode(equals < 0 ? pair : pair.substring(0, equals));
                if (!accepted.contains(name)) {
                    throw ApiRefusal.badRequest("Unknown query parameter; this endpoint takes " + (accepted.isEmpty() ? "none"
                            : String.join(", ", new TreeSet<>(accepted))) + ".");
                }
                if (values.put(name, equals < 0 ? "" : decode(pair.substring(equals + 1))) != null) {
                    throw ApiRefusal.badRequest("The query parameter " + name + " is given more than once.");
                }
            }
        }
        return new ApiQuery(values);
    }

    /** The parameter as given, when given. */
    public Optional<String> text(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** A whole number in [min, max], or the default when absent. */
    public int integer(String name, int min, int max, int defaultValue) {
        Optional<String> value = Optional.ofNullable(values.get(name));
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            int number = Integer.parseInt(value.get());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiRefusal.badRequest("The query parameter " + name + " must be a whole number from " + min + " to " + max + ".");
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiRefusal.badRequest("The query string is not valid URL encoding.");
        }
    }
}
