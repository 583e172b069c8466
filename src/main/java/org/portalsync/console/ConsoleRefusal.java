package org.portalsync.console;

/**
 * A console request refused: to the sign-in page (no session, or it timed out), or with a status and a
 * sentence for the user (403 a viewer's action or a failed CSRF/origin check, 400 a form not as expected,
 * 404 no such record, 429 too many failed sign-ins). Never with a value the user sent.
 */
public final class ConsoleRefusal extends RuntimeException {

    private final int status;
    private final String signInReason;

    private ConsoleRefusal(int status, String message, String signInReason) {
        super(message, null, false, false);
        this.status = status;
        this.signInReason = signInReason;
    }

    public static ConsoleRefusal status(int status, String message) {
        return new ConsoleRefusal(status, message, null);
    }

    /** @param reason shown on the sign-in page: {@code expired} or {@code required} */
    public static ConsoleRefusal signIn(String reason) {
        return new ConsoleRefusal(303, "Sign in first.", reason);
    }

    public static ConsoleRefusal forbidden(String message) {
        return status(403, message);
    }

    public static ConsoleRefusal badRequest(String message) {
        return status(400, message);
    }

    public int status() {
        return status;
    }

    /** Not null: the user is sent to the sign-in page with this reason. */
    public String signInReason() {
        return signInReason;
    }
}
