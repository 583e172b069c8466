package org.portalsync.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An API key: {@code <client_id>.<secret>}, the secret 32 random bytes from {@link SecureRandom},
 * base64url without padding. The client id in front lets the engine find the client's row without
 * scanning; only the SHA-256 of the whole key is stored. 256 random bits need no slow hash: they
 * cannot be guessed, only stolen, and the table never holds them.
 */
public final class ApiKey {

    /** Lower-case letters, digits, '-' and '_'; no '.', which ends the client id in a key. */
    public static final Pattern CLIENT_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKey() {
    }

    /** A new key for the client; shown once to the operator, never stored. */
    public static String generate(String clientId) {
        requireClientId(clientId);
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return clientId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    public static void requireClientId(String clientId) {
        if (clientId == null || !CLIENT_ID.matcher(clientId).matches()) {
            throw new IllegalArgumentException("a client id is 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter "
                    + "or digit, e.g. portal");
        }
    }

    /** The client id a presented key claims: the part before the first '.'; empty when it has none. */
    public static Optional<String> clientIdOf(String key) {
        if (key == null) {
            return Optional.empty();
        }
        int dot = key.indexOf('.');
        String clientId = dot <= 0 ? "" : key.substring(0, dot);
        return CLIENT_ID.matcher(clientId).matches() ? Optional.of(clientId) : Optional.empty();
    }

    /** SHA-256 of the whole key (UTF-8), as 64 lower-case hex digits: what the api_client table keeps. */
    public static String hash(String key) {
        return HexFormat.of().formatHex(digest(key));
    }

    /**
     * Whether the key hashes to the stored hash, compared in constant time
     * ({@link MessageDigest#isEqual}), so the answer's timing says nothing about how much of it matched.
     */
    public static boolean matches(String key, String storedHash) {
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(storedHash);
        } catch (IllegalArgumentException e) {
            expected = new byte[SECRET_BYTES];
        }
        return MessageDigest.isEqual(digest(key), expected);
    }

    private static byte[] digest(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
