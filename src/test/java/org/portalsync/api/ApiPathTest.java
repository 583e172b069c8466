package org.portalsync.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

class ApiPathTest {

    private static Exchange exchange(Object id) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getIn().setHeader("id", id);
        return exchange;
    }

    @Test
    void aPathParameterIsItsOneValue() {
        assertThat(ApiPath.parameter(exchange("123"), "id")).isEqualTo("123");
    }

    @Test
    void aPathParameterAlsoSentAsHeaderOrQueryParameterIsRefused() {
        // platform-http appends the path's value to a request header or query parameter of the same name
        assertThatThrownBy(() -> ApiPath.parameter(exchange(List.of("999", "123")), "id")).isInstanceOf(ApiRefusal.class)
                .satisfies(e -> assertThat(((ApiRefusal) e).status()).isEqualTo(400)).hasMessageNotContaining("999");
        assertThatThrownBy(() -> ApiPath.parameter(exchange(null), "id")).isInstanceOf(ApiRefusal.class);
    }
}
