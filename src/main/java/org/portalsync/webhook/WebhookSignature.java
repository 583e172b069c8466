package org.portalsync.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a webhook notification: HMAC-SHA256 with the source's shared secret over the
 * timestamp header's value, a dot and the body's bytes as sent ({@code 1795000000.{"resourceType":...}}).
 * The timestamp is signed so that an old request cannot be sent again with a new one; the body's
 * bytes, not a re-serialised form, so that sender and engine never disagree about whitespace.
 */
public final class WebhookSignature {

    static final String PREFIX = "sha256=";
    private static final HexFormat HEX = HexFormat.of();

    private WebhookSignature() {
    }

    /** The lower-case hex HMAC-SHA256 of {@code timestamp + "." + body}. */
    public static String sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            mac.update(body);
            return HEX.formatHex(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The hex digest of a {@code sha256=<64 hex>} header, lower case; empty when the header is not of that form. */
    static Optional<String> digestOf(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String value = header.strip();
        if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return Optional.empty();
        }
        String hex = value.substring(PREFIX.length()).toLowerCase(Locale.ROOT);
        return hex.length() == 64 && hex.chars().allMatch(c -> Character.digit(c, 16) >= 0) ? Optional.of(hex) : Optional.empty();
    }

    /** Compares in constant time: how long it takes does not tell how many leading characters matched. */
    static boolean matches(String expectedHex, String presentedHex) {
        return MessageDigest.isEqual(expectedHex.getBytes(StandardCharsets.US_ASCII), presentedHex.getBytes(StandardCharsets.US_ASCII));
    }
}
