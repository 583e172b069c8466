package org.portalsync.alert;

/** An alert channel did not take a notice: it stays unsent and is tried again on the next run of the alert route. */
public class AlertChannelException extends RuntimeException {

    public AlertChannelException(String message) {
        super(message);
    }

    public AlertChannelException(String message, Throwable cause) {
        super(message, cause);
    }
}
