package org.portalsync.digest;

import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import jakarta.activation.DataHandler;
import jakarta.mail.util.ByteArrayDataSource;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.attachment.AttachmentMessage;

/**
 * Writes the digest as the front desk reads it: an HTML mail with one table per rule × source × field
 * (each row naming the record and field to fix in the EHR) and the same rows as a CSV attachment for a
 * spreadsheet; or, for a day without problems, a short all-clear. Times are in the practice's zone.
 */
public final class WriteDigestMail implements Processor {

    public static final String CSV_NAME = "data-quality.csv";
    static final String CSV_HEADER = "rule,source,field,record,detected_at,occurrences,last_detected_at";

    private final List<String> recipients;
    private final String from;
    private final String subject;
    private final DateTimeFormatter times;

    public WriteDigestMail(List<String> recipients, String from, String subject, ZoneId zone) {
        this.recipients = List.copyOf(recipients);
        this.from = from;
        this.subject = subject;
        this.times = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z").withZone(zone);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Digest digest = exchange.getProperty(CollectDigest.DIGEST, Digest.class);
        Message message = exchange.getMessage();
        message.setHeader("To", String.join(", ", recipients));
        message.setHeader("From", from);
        message.setHeader("Content-Type", "text/html; charset=UTF-8");
        if (digest.allClear()) {
            message.setHeader("Subject", subject + ": all clear");
            message.setBody("<p>No data-quality problems and no warnings since the last digest (" + times.format(digest.compiledAt())
                    + ").</p>");
            return;
        }
        message.setHeader("Subject", subject + ": " + digest.entries().size() + (digest.entries().size() == 1 ? " entry" : " entries"));
        message.setBody(html(digest));
        exchange.getMessage(AttachmentMessage.class).addAttachment(CSV_NAME,
                new DataHandler(new ByteArrayDataSource(csv(digest).getBytes(StandardCharsets.UTF_8), "text/csv; charset=UTF-8")));
    }

    String html(Digest digest) {
        StringBuilder html = new StringBuilder("<html><body>\n<p>Data to fix in the EHR, found since the last digest (")
                .append(times.format(digest.compiledAt())).append("). Each row names the record and the field; the attached ")
                .append(CSV_NAME).append(" holds the same rows.</p>\n");
        html.append("<table border=\"1\" cellpadding=\"4\"><tr><th>rule</th><th>source</th><th>field</th><th>count</th></tr>\n");
        for (Digest.Group group : digest.groups()) {
            html.append("<tr><td>").append(escape(group.rule())).append("</td><td>").append(escape(group.source())).append("</td><td>")
                    .append(escape(group.field())).append("</td><td>").append(group.occurrences()).append("</td></tr>\n");
        }
        html.append("</table>\n");
        for (Digest.Group group : digest.groups()) {
            html.append("<h3>").append(escape(group.rule())).append(" (").append(escape(group.source())).append(", ")
                    .append(escape(group.field())).append(")</h3>\n<table border=\"1\" cellpadding=\"4\"><tr><th>record</th><th>field</th>")
                    .append("<th>found</th></tr>\n");
            for (DigestEntry entry : group.entries()) {
                html.append("<tr><td>").append(escape(entry.record())).append("</td><td>").append(escape(entry.field())).append("</td><td>")
                        .append(found(entry)).append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        if (!digest.warnings().isEmpty()) {
            html.append("<h3>Warnings for IT</h3>\n<table border=\"1\" cellpadding=\"4\"><tr><th>kind</th><th>source</th><th>what</th>")
                    .append("<th>count</th><th>first</th><th>last</th></tr>\n");
            for (Digest.Warning warning : digest.warnings()) {
                html.append("<tr><td>").append(escape(warning.kind())).append("</td><td>").append(escape(warning.source())).append("</td><td>")
                        .append(escape(warning.message())).append("</td><td>").append(warning.occurrences()).append("</td><td>")
                        .append(times.format(warning.firstAt())).append("</td><td>").append(times.format(warning.lastAt())).append("</td></tr>\n");
            }
            html.append("</table>\n");
        }
        return html.append("</body></html>\n").toString();
    }

    String csv(Digest digest) {
        StringBuilder csv = new StringBuilder(CSV_HEADER).append("\r\n");
        for (Digest.Group group : digest.groups()) {
            for (DigestEntry entry : group.entries()) {
                csv.append(cell(entry.rule())).append(',').append(cell(entry.source())).append(',').append(cell(entry.field())).append(',')
                        .append(cell(entry.record())).append(',').append(entry.detectedAt()).append(',').append(entry.occurrences())
                        .append(',').append(entry.lastDetectedAt()).append("\r\n");
            }
        }
        return csv.toString();
    }

    /** When; for a problem found repeatedly (a mapping's leftovers, message after message), the first and last time and how often. */
    private String found(DigestEntry entry) {
        String first = times.format(entry.detectedAt());
        return entry.occurrences() == 1 ? first
                : first + " to " + times.format(entry.lastDetectedAt()) + ", " + entry.occurrences() + " times";
    }

    /** RFC 4180 quoting; a leading =, +, - or @ is defused so that a spreadsheet does not run it as a formula. */
    private static String cell(String value) {
        String text = value == null ? "" : value;
        if (!text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        return text.matches(".*[\",\\r\\n].*") || text.contains(",") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }

    private static String escape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
