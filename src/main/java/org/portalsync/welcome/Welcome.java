package org.portalsync.welcome;

/**
 * What {@link WelcomePolicy} decided for one patient new to the portal: whom to welcome, or why
 * nobody. {@link #toString()} leaves the address out, so a decision can be logged.
 *
 * @param recipient null when nobody is welcomed
 * @param email     the recipient's address; null when nobody is welcomed
 * @param reason    why nobody is welcomed (no patient data in it); null when somebody is
 */
public record Welcome(Recipient recipient, String email, String reason) {

    /** Who a welcome goes to: the patient, or a minor patient's parent or guardian. */
    public enum Recipient {
        PATIENT, GUARDIAN
    }

    static Welcome to(Recipient recipient, String email) {
        return new Welcome(recipient, email, null);
    }

    static Welcome none(String reason) {
        return new Welcome(null, null, reason);
    }

    public boolean sends() {
        return recipient != null;
    }

    @Override
    public String toString() {
        return sends() ? "welcome to " + recipient : "no welcome: " + reason;
    }
}
