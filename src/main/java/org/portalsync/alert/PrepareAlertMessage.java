package org.portalsync.alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;

/**
 * Turns an {@link AlertNotice} body into what its channel sends: a plain-text mail (headers To, From,
 * Subject) or the chat webhook's JSON. The notice stays on the exchange for {@link MarkAlertDelivered}.
 */
public final class PrepareAlertMessage implements Processor {

    /** Exchange property: the notice being sent. */
    public static final String NOTICE = "portalSyncAlertNotice";
    /** Header: the notice's channel, for the route's choice. */
    public static final String CHANNEL = "PortalSyncAlertChannel";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AlertRouting routing;
    private final List<String> recipients;
    private final String from;
    private final String runbooks;

    /**
     * @param recipients who gets alert mail, unless {@code routing} names others for the kind
     * @param runbooks   where docs/runbooks.md is read (a URL or a path); each message links its kind's section
     */
    public PrepareAlertMessage(AlertRouting routing, List<String> recipients, String from, String runbooks) {
        this.routing = routing;
        this.recipients = List.copyOf(recipients);
        this.from = from;
        this.runbooks = runbooks;
    }

    /** The link to the notice's runbook section, e.g. {@code https://wiki.example.org/runbooks.md#ehr-down}. */
    public String runbook(AlertKind kind) {
        return runbooks + "#" + kind.runbookAnchor();
    }

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException, JsonProcessingException {
        AlertNotice notice = exchange.getMessage().getMandatoryBody(AlertNotice.class);
        exchange.setProperty(NOTICE, notice);
        Message message = exchange.getMessage();
        message.setHeader(CHANNEL, notice.channel());
        if (AlertNotice.MAIL.equals(notice.channel())) {
            message.setHeader("To", String.join(", ", routing.mailRecipients(notice.kind(), recipients)));
            message.setHeader("From", from);
            message.setHeader("Subject", notice.subject());
            message.setHeader("Content-Type", "text/plain; charset=UTF-8");
            message.setBody(notice.text() + "\nWhat to do: " + runbook(notice.kind()));
        } else {
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
            Map<String, Object> json = new LinkedHashMap<>(notice.json());
            json.put("text", json.get("text") + "\nWhat to do: " + runbook(notice.kind()));
            json.put("runbook", runbook(notice.kind()));
            message.setBody(JSON.writeValueAsString(json));
        }
    }
}
