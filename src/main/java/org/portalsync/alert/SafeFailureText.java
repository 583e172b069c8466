package org.portalsync.alert;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import org.portalsync.portal.SqlFailureText;

/**
 * The one text of a failure that may go into a log line, an alert or the dead-letter table: no
 * value of a patient's record, no address. Our own exceptions are written that way and pass
 * through. A database error is described by its SQLSTATE, table and column ({@link SqlFailureText});
 * a mail error by its SMTP reply code and how many addresses failed, never which. Any other
 * exception is named by its class, with the first line of its message once quoted text,
 * addresses, dates and long numbers are masked: libraries quote what they could not parse.
 */
public final class SafeFailureText {

    private static final String OWN_PACKAGE = "org.portalsync.";
    private static final int MAX_FOREIGN_MESSAGE = 300;
    /** An SMTP reply: basic code and, optionally, the enhanced status code (RFC 3463). */
    private static final Pattern SMTP_REPLY = Pattern.compile("^\\s*([2-5]\\d\\d)(?:[ -]+([2-5]\\.\\d{1,3}\\.\\d{1,3}))?");
    private static final List<Pattern> MASKED = List.of(
            Pattern.compile("[^\\s<>\"'(),;:]+@[^\\s<>\"'(),;:]+"), // mail addresses
            Pattern.compile("<[^<>]*>"),
            // from the first quote to the last: a value may hold quotes of its own (O'Brien)
            Pattern.compile("(?<![A-Za-z])'.*'|(?<![A-Za-z])'.*$"),
            Pattern.compile("\".*\"|\".*$"),
            Pattern.compile("\\+?\\d[\\d\\-/.() ]{5,}\\d"), // phone numbers, dates
            Pattern.compile("\\d{5,}"));

    private SafeFailureText() {
    }

    public static String of(Throwable failure) {
        if (failure == null) {
            return "unknown failure";
        }
        for (Throwable cause = failure; cause != null; cause = next(cause)) {
            if (cause.getClass().getName().startsWith(OWN_PACKAGE) && cause.getMessage() != null) {
                return cause.getMessage();
            }
            if (cause instanceof SQLException sql) {
                return "portal database: " + SqlFailureText.of(sql);
            }
            if (cause instanceof MessagingException mail) {
                return mail(mail);
            }
        }
        return foreign(failure);
    }

    private static String mail(MessagingException failure) {
        StringBuilder text = new StringBuilder("mail: ").append(failure.getClass().getSimpleName());
        List<String> replies = new ArrayList<>();
        for (Exception cause = failure; cause != null; ) {
            Matcher reply = SMTP_REPLY.matcher(String.valueOf(cause.getMessage()));
            if (reply.find()) {
                replies.add(reply.group(1) + (reply.group(2) == null ? "" : " " + reply.group(2)));
            }
            Exception nested = cause instanceof MessagingException messaging ? messaging.getNextException() : null;
            cause = nested == cause ? null : nested;
        }
        if (!replies.isEmpty()) {
            text.append(", SMTP reply ").append(String.join("; ", replies.stream().distinct().toList()));
        }
        if (failure instanceof SendFailedException send) {
            int invalid = count(send.getInvalidAddresses());
            int unsent = count(send.getValidUnsentAddresses());
            text.append(", ").append(invalid).append(" invalid and ").append(unsent).append(" unsent address(es), not shown");
        }
        return text.toString();
    }

    private static int count(Object[] addresses) {
        return addresses == null ? 0 : addresses.length;
    }

    private static String foreign(Throwable failure) {
        StringBuilder text = new StringBuilder(failure.getClass().getSimpleName());
        String message = failure.getMessage();
        if (message != null && !message.isBlank()) {
            String line = message.strip().lines().findFirst().orElse("");
            for (Pattern masked : MASKED) {
                line = masked.matcher(line).replaceAll("…");
            }
            if (line.length() > MAX_FOREIGN_MESSAGE) {
                line = line.substring(0, MAX_FOREIGN_MESSAGE) + "…";
            }
            text.append(": ").append(line);
        }
        List<String> causes = new ArrayList<>();
        for (Throwable cause = next(failure); cause != null && causes.size() < 5; cause = next(cause)) {
            causes.add(cause.getClass().getSimpleName());
        }
        if (!causes.isEmpty()) {
            text.append(" (caused by ").append(String.join(" < ", causes)).append(')');
        }
        return text.toString();
    }

    private static Throwable next(Throwable failure) {
        Throwable cause = failure.getCause();
        return cause == failure ? null : cause;
    }
}
