package org.portalsync.config;

/** How a secret may appear in a log or an error: its last four characters at most. */
public final class Secrets {

    private Secrets() {
    }

    public static String redact(String secret) {
        if (secret == null || secret.isEmpty()) {
            return "(none)";
        }
        if (secret.length() <= 8) {
            return "****";
        }
        return "****" + secret.substring(secret.length() - 4);
    }
}
