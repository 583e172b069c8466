package org.portalsync.validate;

import java.util.Locale;
import java.util.Optional;

/**
 * A deliberately strict check of an email address, for addresses the portal will send to: one
 * {@code @}; a local part of at most 64 characters without spaces, quotes, brackets or dots at
 * either end or in a row; a domain of at least two dot-separated labels of letters, digits and
 * inner hyphens, with a top-level label that is not all digits. Quoted local parts and IP-literal
 * domains, legal in RFC 5321, are refused: no EHR sends them on purpose. The domain is lower-cased
 * (domains are case-insensitive; local parts, in theory, are not).
 *
 * <p>Stateless and thread-safe.
 */
public final class EmailAddressValidator {

    private static final int MAX_LOCAL = 64;
    private static final int MAX_DOMAIN = 253;
    private static final int MAX_LABEL = 63;
    private static final String LOCAL_FORBIDDEN = "\"(),:;<>@[\\]";

    /** @return the address trimmed with its domain lower-cased; empty when it is not a valid address */
    public Optional<String> normalize(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String address = raw.strip();
        int at = address.indexOf('@');
        if (at <= 0 || at != address.lastIndexOf('@')) {
            return Optional.empty();
        }
        String local = address.substring(0, at);
        String domain = address.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!validLocal(local) || !validDomain(domain)) {
            return Optional.empty();
        }
        return Optional.of(local + "@" + domain);
    }

    /** @return whether {@link #normalize} accepts the address */
    public boolean isValid(String raw) {
        return normalize(raw).isPresent();
    }

    private static boolean validLocal(String local) {
        if (local.length() > MAX_LOCAL || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return false;
        }
        return local.codePoints().noneMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                || Character.isISOControl(cp) || LOCAL_FORBIDDEN.indexOf(cp) >= 0);
    }

    private static boolean validDomain(String domain) {
        if (domain.length() > MAX_DOMAIN) {
            return false;
        }
        String[] labels = domain.split("\\.", -1);
        if (labels.length < 2) {
            return false;
        }
        for (String label : labels) {
            if (label.isEmpty() || label.length() > MAX_LABEL || label.startsWith("-") || label.endsWith("-")
                    || !label.codePoints().allMatch(cp -> Character.isLetterOrDigit(cp) || cp == '-')) {
                return false;
            }
        }
        return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
    }
}
