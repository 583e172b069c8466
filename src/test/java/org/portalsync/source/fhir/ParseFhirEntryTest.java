package org.portalsync.source.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import ca.uhn.fhir.context.FhirContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.portalsync.mapping.MapFhirPatientCorpusTest;
import org.portalsync.sync.MalformedResourceException;

/** An entry read from a page is parsed from the page's JSON tree: exactly what parsing its text gives. */
class ParseFhirEntryTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    static Stream<String> corpusResources() throws IOException {
        Path dir = MapFhirPatientCorpusTest.corpus().orElse(null);
        if (dir == null) {
            return Stream.of("<corpus folder missing>");
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString())
                    .filter(n -> (n.startsWith("Patient-") || n.startsWith("Appointment-")) && n.endsWith(".json")).sorted().toList();
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpusResources")
    void aResourceFromAPageParsesAsItsTextDoes(String file) throws Exception {
        Path dir = MapFhirPatientCorpusTest.corpus().orElse(null);
        assumeTrue(dir != null, "shared FHIR corpus not found; skipping");
        String json = Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        String type = FHIR.newJsonParser().parseResource(json).fhirType();
        FhirEntry fromPage = FhirBundleReader.read("u", "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{\"resource\":"
                + json + "}]}").entries().get(0);

        assertThat(fromPage.resourceTree()).as("the page keeps the tree it read").isNotNull();
        IBaseResource fromTree = parse(fromPage, type);
        IBaseResource fromText = parse(new FhirEntry(fromPage.resourceType(), fromPage.id(), null, null, json, false), type);

        assertThat(FHIR.newJsonParser().encodeResourceToString(fromTree)).isEqualTo(FHIR.newJsonParser().encodeResourceToString(fromText));
    }

    @Test
    void decimalsKeepTheirExactDigits() throws Exception {
        String bundle = """
                {"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p1",
                 "extension":[{"url":"urn:example:weight","valueDecimal":70.50},{"url":"urn:example:big","valueDecimal":12345678901234567890.123456789}]}}]}""";

        Patient patient = (Patient) parse(FhirBundleReader.read("u", bundle).entries().get(0), "Patient");

        assertThat(((DecimalType) patient.getExtensionByUrl("urn:example:weight").getValue()).getValueAsString()).isEqualTo("70.50");
        assertThat(((DecimalType) patient.getExtensionByUrl("urn:example:big").getValue()).getValueAsString())
                .isEqualTo("12345678901234567890.123456789");
    }

    @Test
    void aValueThatDoesNotFitItsDatatypeStillRejectsTheRecordNamingTheElement() {
        String bundle = """
                {"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p2","birthDate":"1990-02-31"}}]}""";
        FhirEntry entry = FhirBundleReader.read("u", bundle).entries().get(0);

        assertThatThrownBy(() -> parse(entry, "Patient")).isInstanceOfSatisfying(MalformedResourceException.class, e -> {
            assertThat(e.record()).isEqualTo("Patient/p2");
            assertThat(e.field()).contains("birthDate");
            assertThat(e.getMessage()).doesNotContain("1990-02-31");
        });
    }

    @Test
    void theTextOfAPageEntryIsWrittenFromItsTreeWhenAsked() {
        FhirEntry entry = FhirBundleReader.read("u", """
                {"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","id":"p3","gender":"female"}}]}""")
                .entries().get(0);

        assertThat(entry.resourceJson()).isEqualTo("{\"resourceType\":\"Patient\",\"id\":\"p3\",\"gender\":\"female\"}");
    }

    private static IBaseResource parse(FhirEntry entry, String type) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(entry);
        new ParseFhirEntry(FHIR, type).process(exchange);
        return exchange.getMessage().getBody(IBaseResource.class);
    }
}
