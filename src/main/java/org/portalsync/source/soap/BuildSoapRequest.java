package org.portalsync.source.soap;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.source.hl7v2.MappingFile;
import org.portalsync.sync.SyncHeaders;

/**
 * The SOAP 1.1 request for the poll's next page: the mapping's operation with {@code Page} and {@code PageSize} (as
 * docs/samples/legacy-patient-service.wsdl declares them), {@code ChangedSince} when the poll asks only for changes,
 * and, when a user name is set, a WS-Security UsernameToken
 * (PasswordText: send it over TLS only). The message's headers are replaced by the HTTP ones the call needs, so
 * that none of the engine's own headers reaches the service.
 */
public final class BuildSoapRequest implements Processor {

    static final String WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    static final String PASSWORD_TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";

    private final String username;
    private final String password;
    private final int pageSize;

    /** @param username empty: no WS-Security header */
    public BuildSoapRequest(String username, String password, int pageSize) {
        this.username = username;
        this.password = password;
        this.pageSize = pageSize;
    }

    @Override
    public void process(Exchange exchange) {
        MappingFile mapping = exchange.getProperty(StartSoapPoll.MAPPING, MappingFile.class);
        int page = exchange.getProperty(StartSoapPoll.PAGE, Integer.class);
        MappingFile.Soap soap = mapping.soap();
        String security = username.isEmpty() ? "" : "<soap:Header><wsse:Security xmlns:wsse=\"" + WSSE + "\" soap:mustUnderstand=\"1\">"
                + "<wsse:UsernameToken><wsse:Username>" + escape(username) + "</wsse:Username><wsse:Password Type=\"" + PASSWORD_TEXT + "\">"
                + escape(password) + "</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header>";
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                + "xmlns:op=\"" + escape(soap.namespace()) + "\">" + security + "<soap:Body><op:" + soap.operation() + "><op:Page>" + page
                + "</op:Page><op:PageSize>" + pageSize + "</op:PageSize>" + changedSince(exchange) + "</op:" + soap.operation()
                + "></soap:Body></soap:Envelope>";
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/xml; charset=UTF-8");
        exchange.getMessage().setHeader("SOAPAction", "\"" + soap.namespace() + "/" + soap.operation() + "\"");
        exchange.getMessage().setBody(body);
        // what a dead letter of a failed call keeps instead of the request, which carries the password
        exchange.setProperty(SyncHeaders.SOURCE_RESOURCE, soap.operation() + " page " + page + " (the request is not kept: it holds the "
                + "WS-Security password)");
    }

    /** {@code ChangedSince} when the poll asks only for changes (README "Legacy SOAP source"), else nothing. */
    private static String changedSince(Exchange exchange) {
        String since = exchange.getProperty(StartSoapPoll.CHANGED_SINCE, String.class);
        return since == null ? "" : "<op:ChangedSince>" + since + "</op:ChangedSince>";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
