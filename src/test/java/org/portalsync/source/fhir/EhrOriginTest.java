package org.portalsync.source.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

class EhrOriginTest {

    private final EhrOrigin origin = EhrOrigin.of("https://EHR.example.org/fhir/r4");

    @Test
    void sameSchemeHostAndPortIsTheOrigin() {
        assertThat(origin.contains(URI.create("https://ehr.example.org/fhir/r4?_getpages=abc"))).isTrue();
        assertThat(origin.contains(URI.create("https://ehr.example.org:443/other/path"))).as("default port").isTrue();
        assertThat(origin).hasToString("https://ehr.example.org:443");
    }

    @Test
    void anotherHostPortOrSchemeIsNot() {
        assertThat(origin.contains(URI.create("http://ehr.example.org/fhir/r4?_getpages=abc"))).as("downgraded to http").isFalse();
        assertThat(origin.contains(URI.create("https://ehr.example.org:8443/fhir/r4"))).as("another port").isFalse();
        assertThat(origin.contains(URI.create("https://ehr.example.org.attacker.test/fhir/r4"))).as("another host").isFalse();
        assertThat(origin.contains(URI.create("https://attacker.test/?https://ehr.example.org/fhir"))).isFalse();
        assertThat(origin.contains(URI.create("/fhir/r4?_getpages=abc"))).as("relative").isFalse();
    }

    @Test
    void plainHttpOriginsKeepTheirPort() {
        EhrOrigin loopback = EhrOrigin.of("http://127.0.0.1:8080/fhir");

        assertThat(loopback.contains(URI.create("http://127.0.0.1:8080/fhir?_getpages=1"))).isTrue();
        assertThat(loopback.contains(URI.create("http://127.0.0.1:8081/fhir?_getpages=1"))).isFalse();
        assertThat(loopback.contains(URI.create("http://localhost:8080/fhir?_getpages=1"))).as("another host name").isFalse();
    }
}
