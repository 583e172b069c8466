package org.portalsync.validate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Standardises the parts of a postal address: country to ISO 3166-1 alpha-2, state to its ISO
 * 3166-2 code where the country has a table (US, CA), postal code to the country's format, city
 * capitalisation, whitespace. The tables are data beside this class ({@code countries.properties},
 * {@code subdivisions.properties}, {@code postal-codes.properties}); they are read once, at
 * construction, and a bad table fails there with its file and line.
 *
 * <p>Immutable and thread-safe; one instance can serve every route.
 */
public final class AddressStandardizer {

    /** The parts of an address as the source gave them; any may be null. */
    public record Input(List<String> lines, String city, String state, String postalCode, String country, String text) {
        public Input {
            lines = lines == null ? List.of() : lines.stream().map(l -> l == null ? "" : l).toList();
        }
    }

    /** A standardised address, without use and period (those are the caller's). */
    public record Standardized(List<String> lines, String city, String state, String postalCode, String country) {
        public Standardized {
            lines = List.copyOf(lines);
        }
    }

    /**
     * @param component the part at fault ({@code state}, {@code postalCode}, {@code country}), or null for the
     *                  address as a whole
     * @param problem   what is wrong and what happened; never the value itself
     */
    public record Problem(String component, String problem) {
    }

    /** @param address null when the address is left out; then {@code problems} says why */
    public record Result(Standardized address, List<Problem> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        public boolean delivered() {
            return address != null;
        }
    }

    private record PostalRule(Pattern pattern, String replacement) {
    }

    private static final String COUNTRIES = "countries.properties";
    private static final String SUBDIVISIONS = "subdivisions.properties";
    private static final String POSTAL_CODES = "postal-codes.properties";
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern GROUP_REFERENCE = Pattern.compile("\\$(\\d+)");
    private static final Pattern SPACES_AND_HYPHENS = Pattern.compile("[\\s\\-‐‑–]+");

    /** lookup key → alpha-2 */
    private final Map<String, String> countries;
    /** alpha-2 → (lookup key → subdivision code) */
    private final Map<String, Map<String, String>> subdivisions;
    private final Map<String, List<PostalRule>> postalRules;
    private final Map<String, String> postalExamples;

    public AddressStandardizer() {
        this.countries = Map.copyOf(loadCountries());
        this.subdivisions = loadSubdivisions();
        Map<String, List<PostalRule>> rules = new HashMap<>();
        Map<String, String> examples = new HashMap<>();
        loadPostalCodes(rules, examples);
        this.postalRules = Map.copyOf(rules);
        this.postalExamples = Map.copyOf(examples);
    }

    /**
     * Standardises one address. A text-only address (no line, city, state, postal code or country)
     * becomes a single line holding the text, without any problem. A missing country becomes
     * {@code defaultCountry} when a state or postal code is given and every one given fits it.
     * The address is left out (result without address) when its country is not recognised, or its
     * state or postal code does not fit its country's table, or it holds nothing at all.
     *
     * @param defaultCountry ISO 3166-1 alpha-2, or null for none
     */
    public Result standardize(Input in, String defaultCountry) {
        List<String> lines = lines(in.lines());
        String city = city(in.city());
        String state = clean(in.state());
        String postalCode = clean(in.postalCode());
        String countryText = clean(in.country());
        String text = clean(in.text());
        List<Problem> problems = new ArrayList<>();

        if (lines.isEmpty() && city == null && state == null && postalCode == null && countryText == null) {
            if (text != null) {
                return new Result(new Standardized(List.of(text), null, null, null, null), problems);
            }
            problems.add(new Problem(null, "address without any part; left out"));
            return new Result(null, problems);
        }

        String country;
        if (countryText != null) {
            country = countryCode(countryText).orElse(null);
            if (country == null) {
                problems.add(new Problem("country",
                        "not an ISO 3166-1 country code or English country name; address left out"));
                return new Result(null, problems);
            }
        } else if (defaultCountry != null && (state != null || postalCode != null)
                && fits(defaultCountry, state, postalCode)) {
            country = defaultCountry;
        } else {
            country = null;
            String why = defaultCountry == null ? "and no default country"
                    : state == null && postalCode == null
                    ? "and no state or postal code to confirm the default " + defaultCountry
                    : "and the state or postal code does not fit the default " + defaultCountry;
            problems.add(new Problem("country", "no country given " + why + "; country left empty"));
        }

        boolean deliver = true;
        if (country != null && state != null && hasSubdivisionTable(country)) {
            Optional<String> code = subdivisionCode(country, state);
            if (code.isPresent()) {
                state = code.get();
            } else {
                problems.add(new Problem("state", "not a state or province of " + country
                        + " (ISO 3166-2 code or name); address left out"));
                deliver = false;
            }
        }
        if (country != null && postalCode != null && hasPostalCodeFormat(country)) {
            Optional<String> code = postalCode(country, postalCode);
            if (code.isPresent()) {
                postalCode = code.get();
            } else {
                problems.add(new Problem("postalCode", "not a valid postal code for " + country
                        + " (expected e.g. " + postalExamples.getOrDefault(country, "its national format")
                        + "); address left out"));
                deliver = false;
            }
        }
        return new Result(deliver ? new Standardized(lines, city, state, postalCode, country) : null, problems);
    }

    /** @return ISO 3166-1 alpha-2 for an alpha-2 or alpha-3 code, an English name or a listed alias */
    public Optional<String> countryCode(String text) {
        String cleaned = clean(text);
        return cleaned == null ? Optional.empty() : Optional.ofNullable(countries.get(DataTable.lookupKey(cleaned)));
    }

    /** @return whether {@code subdivisions.properties} lists the states of this alpha-2 country */
    public boolean hasSubdivisionTable(String country) {
        return country != null && subdivisions.containsKey(country);
    }

    /** @return the subdivision code (e.g. {@code NY}) for a code or name; empty when the country has no table or lacks it */
    public Optional<String> subdivisionCode(String country, String text) {
        String cleaned = clean(text);
        Map<String, String> table = country == null ? null : subdivisions.get(country);
        if (cleaned == null || table == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(table.get(DataTable.lookupKey(cleaned)));
    }

    /** @return whether {@code postal-codes.properties} has a format for this alpha-2 country */
    public boolean hasPostalCodeFormat(String country) {
        return country != null && postalRules.containsKey(country);
    }

    /**
     * @return the postal code in its country's standard form ({@code 1055RW} → {@code 1055 RW}); empty when it
     *         does not fit; as given (whitespace collapsed) for a country without a format
     */
    public Optional<String> postalCode(String country, String text) {
        String cleaned = clean(text);
        if (cleaned == null) {
            return Optional.empty();
        }
        List<PostalRule> rules = country == null ? null : postalRules.get(country);
        if (rules == null) {
            return Optional.of(cleaned);
        }
        String compact = SPACES_AND_HYPHENS.matcher(cleaned.toUpperCase(Locale.ROOT)).replaceAll("");
        for (PostalRule rule : rules) {
            Matcher m = rule.pattern().matcher(compact);
            if (m.matches()) {
                return Optional.of(m.replaceFirst(rule.replacement()));
            }
        }
        return Optional.empty();
    }

    /**
     * @return the city with whitespace collapsed, title-cased only when it is written all in capitals or all in
     *         lower case ({@code NEW YORK} → {@code New York}); mixed case is the writer's choice and kept
     */
    public String city(String text) {
        String cleaned = clean(text);
        if (cleaned == null) {
            return null;
        }
        boolean upper = false;
        boolean lower = false;
        for (int i = 0; i < cleaned.length(); ) {
            int cp = cleaned.codePointAt(i);
            upper |= Character.isUpperCase(cp);
            lower |= Character.isLowerCase(cp);
            i += Character.charCount(cp);
        }
        return upper != lower ? titleCase(cleaned) : cleaned;
    }

    /** @return the lines trimmed, inner whitespace collapsed, blank lines dropped */
    public List<String> lines(List<String> lines) {
        List<String> out = new ArrayList<>();
        if (lines != null) {
            for (String line : lines) {
                String cleaned = clean(line);
                if (cleaned != null) {
                    out.add(cleaned);
                }
            }
        }
        return List.copyOf(out);
    }

    private boolean fits(String country, String state, String postalCode) {
        boolean stateFits = state == null || !hasSubdivisionTable(country) || subdivisionCode(country, state).isPresent();
        boolean postalFits = postalCode == null || postalCode(country, postalCode).isPresent();
        return stateFits && postalFits;
    }

    /** Capitalises each word: after a space, hyphen, dot, slash or bracket, and after O' / D' / L'. */
    private static String titleCase(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(lower.length());
        boolean startOfWord = true;
        int wordLength = 0;
        for (int i = 0; i < lower.length(); ) {
            int cp = lower.codePointAt(i);
            if (Character.isLetter(cp)) {
                out.appendCodePoint(startOfWord ? Character.toTitleCase(cp) : cp);
                startOfWord = false;
                wordLength++;
            } else {
                out.appendCodePoint(cp);
                boolean apostrophe = cp == '\'' || cp == '’';
                // O'Fallon, D'Iberville: a one-letter elision; but not John'S
                startOfWord = apostrophe ? wordLength == 1 : !Character.isDigit(cp);
                if (!apostrophe) {
                    wordLength = 0;
                }
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /** @return trimmed with inner whitespace collapsed; null for null or blank */
    static String clean(String text) {
        if (text == null) {
            return null;
        }
        String s = SPACES.matcher(text.strip()).replaceAll(" ");
        return s.isEmpty() ? null : s;
    }

    private static Map<String, String> loadCountries() {
        Map<String, String> byKey = new HashMap<>();
        for (String alpha2 : Locale.getISOCountries()) {
            Locale locale = new Locale.Builder().setRegion(alpha2).build();
            byKey.put(DataTable.lookupKey(alpha2), alpha2);
            try {
                byKey.putIfAbsent(DataTable.lookupKey(locale.getISO3Country()), alpha2);
            } catch (MissingResourceException e) {
                // no alpha-3 known to this JDK: the alpha-2 and the name still work
            }
            byKey.putIfAbsent(DataTable.lookupKey(locale.getDisplayCountry(Locale.ENGLISH)), alpha2);
        }
        Map<String, String> aliases = new HashMap<>();
        for (DataTable.Row row : DataTable.read(COUNTRIES)) {
            String code = row.key().toUpperCase(Locale.ROOT);
            if (!byKey.containsValue(code)) {
                throw new IllegalStateException(row.where() + ": '" + row.key()
                        + "' is not an ISO 3166-1 alpha-2 code; use one (e.g. GB)");
            }
            for (String name : row.value().split(",")) {
                String key = DataTable.lookupKey(name);
                String previous = aliases.put(key, code);
                String known = byKey.get(key);
                if (previous != null && !previous.equals(code) || known != null && !known.equals(code)) {
                    throw new IllegalStateException(row.where() + ": '" + name.strip() + "' already means "
                            + (previous != null ? previous : known) + "; list each name under one code");
                }
            }
        }
        byKey.putAll(aliases);
        return byKey;
    }

    private static Map<String, Map<String, String>> loadSubdivisions() {
        Map<String, Map<String, String>> byCountry = new LinkedHashMap<>();
        for (DataTable.Row row : DataTable.read(SUBDIVISIONS)) {
            String[] parts = row.key().toUpperCase(Locale.ROOT).split("-", 2);
            if (parts.length != 2 || parts[0].length() != 2 || parts[1].isEmpty()) {
                throw new IllegalStateException(row.where() + ": '" + row.key()
                        + "' is not an ISO 3166-2 code; write it as CC-CODE (e.g. US-NY)");
            }
            Map<String, String> table = byCountry.computeIfAbsent(parts[0], c -> new HashMap<>());
            List<String> names = new ArrayList<>(List.of(row.value().split(",")));
            names.add(parts[1]);
            for (String name : names) {
                String key = DataTable.lookupKey(name);
                String previous = table.put(key, parts[1]);
                if (previous != null && !previous.equals(parts[1])) {
                    throw new IllegalStateException(row.where() + ": '" + name.strip() + "' already means "
                            + parts[0] + "-" + previous + "; list each name under one code");
                }
            }
        }
        Map<String, Map<String, String>> frozen = new HashMap<>();
        byCountry.forEach((country, table) -> frozen.put(country, Map.copyOf(table)));
        return Map.copyOf(frozen);
    }

    private static void loadPostalCodes(Map<String, List<PostalRule>> rules, Map<String, String> examples) {
        for (DataTable.Row row : DataTable.read(POSTAL_CODES)) {
            String key = row.key().toUpperCase(Locale.ROOT);
            if (key.endsWith(".EXAMPLE")) {
                examples.put(key.substring(0, key.length() - ".EXAMPLE".length()), row.value());
                continue;
            }
            int arrow = row.value().lastIndexOf("=>");
            if (key.length() != 2 || arrow < 0) {
                throw new IllegalStateException(row.where()
                        + ": expected 'CC = <regex> => <replacement>' or 'CC.example = <text>'");
            }
            Pattern pattern;
            try {
                pattern = Pattern.compile(row.value().substring(0, arrow).strip());
            } catch (PatternSyntaxException e) {
                throw new IllegalStateException(row.where() + ": not a valid regular expression: " + e.getDescription(), e);
            }
            String replacement = row.value().substring(arrow + 2).strip();
            Matcher groupRefs = GROUP_REFERENCE.matcher(replacement);
            int groups = pattern.matcher("").groupCount();
            while (groupRefs.find()) {
                if (Integer.parseInt(groupRefs.group(1)) > groups) {
                    throw new IllegalStateException(row.where() + ": the replacement uses " + groupRefs.group()
                            + " but the regex has " + groups + " group(s)");
                }
            }
            rules.computeIfAbsent(key, c -> new ArrayList<>()).add(new PostalRule(pattern, replacement));
        }
        rules.replaceAll((country, list) -> List.copyOf(list));
    }
}
