package org.portalsync.source.soap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The request of one page: the WS-Security UsernameToken only when a user name is set, values escaped, the page asked for. */
class BuildSoapRequestTest {

    private static String request(String username, String password) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(StartSoapPoll.MAPPING, MapSoapRecordTest.read(MapSoapRecordTest.SHIPPED.toString(),
                Files.readString(MapSoapRecordTest.SHIPPED)));
        exchange.setProperty(StartSoapPoll.PAGE, 3);
        new BuildSoapRequest(username, password, 50).process(exchange);
        assertThat(exchange.getMessage().getHeader("SOAPAction", String.class))
                .isEqualTo("\"http://legacy.example.org/patient-service/GetPatients\"");
        return exchange.getMessage().getBody(String.class);
    }

    @Test
    void withAUserNameTheRequestCarriesAUsernameTokenWithTheValuesEscaped() throws Exception {
        assertThat(request("portal<&>", "p\"w&d")).contains("<wsse:Username>portal&lt;&amp;&gt;</wsse:Username>")
                .contains("#PasswordText\">p&quot;w&amp;d</wsse:Password>").contains("soap:mustUnderstand=\"1\"")
                .contains("<op:GetPatients><op:Page>3</op:Page><op:PageSize>50</op:PageSize></op:GetPatients>");
    }

    @Test
    void withoutAUserNameItCarriesNoSecurityHeader() throws Exception {
        assertThat(request("", "")).doesNotContain("Security").doesNotContain("soap:Header")
                .contains("<soap:Body><op:GetPatients><op:Page>3</op:Page>");
    }
}
