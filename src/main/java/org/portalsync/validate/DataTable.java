package org.portalsync.validate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads the reference tables beside this class: UTF-8 {@code key = value} lines, {@code #}
 * comments. Not {@link java.util.Properties}, so that an error can name the line and a key may
 * repeat where a table needs a list (postal code rules).
 */
final class DataTable {

    /** One {@code key = value} line; {@code where} is {@code file:line} for error messages. */
    record Row(String where, String key, String value) {
    }

    private static final Pattern DIACRITICS = Pattern.compile("\\p{M}+");
    private static final Pattern NOT_ALNUM = Pattern.compile("[^\\p{L}\\p{N}]+");

    private DataTable() {
    }

    static List<Row> read(String resourceName) {
        InputStream in = DataTable.class.getResourceAsStream(resourceName);
        if (in == null) {
            throw new IllegalStateException("reference table " + resourceName + " is missing from the classpath");
        }
        List<Row> rows = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                int eq = trimmed.indexOf('=');
                String where = resourceName + ":" + number;
                if (eq <= 0 || trimmed.substring(eq + 1).isBlank()) {
                    throw new IllegalStateException(where + ": expected 'key = value'; fix the table");
                }
                rows.add(new Row(where, trimmed.substring(0, eq).strip(), trimmed.substring(eq + 1).strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reference table " + resourceName, e);
        }
        return rows;
    }

    /**
     * The form names are compared in: accents, case, dots and punctuation ignored, {@code &} read
     * as "and" ({@code "Québec"} = {@code "QUEBEC"}, {@code "D.C."} = {@code "dc"}).
     */
    static String lookupKey(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFD);
        s = DIACRITICS.matcher(s).replaceAll("");
        s = s.toLowerCase(Locale.ROOT).replace(".", "").replace("&", " and ");
        return NOT_ALNUM.matcher(s).replaceAll(" ").strip();
    }
}
