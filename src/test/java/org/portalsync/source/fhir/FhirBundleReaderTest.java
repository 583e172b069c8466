package org.portalsync.source.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FhirBundleReaderTest {

    @Test
    void readsEntriesAndNextLinkWithoutParsingResources() {
        String bundle = """
                {"resourceType":"Bundle","type":"searchset",
                 "link":[{"relation":"self","url":"http://ehr/fhir/Patient"},{"relation":"next","url":"http://ehr/fhir?_getpages=abc"}],
                 "entry":[
                  {"resource":{"resourceType":"Patient","id":"1","meta":{"versionId":"3","lastUpdated":"2026-05-11T14:30:00.123+02:00"},"birthDate":"not a date"}},
                  {"resource":{"resourceType":"Patient","id":"2"}}]}""";

        FhirPage page = FhirBundleReader.read("http://ehr/fhir/Patient", bundle);

        assertThat(page.nextUrl()).isEqualTo("http://ehr/fhir?_getpages=abc");
        assertThat(page.entries()).extracting(FhirEntry::id).containsExactly("1", "2");
        FhirEntry first = page.entries().get(0);
        assertThat(first.versionId()).isEqualTo("3");
        assertThat(first.lastUpdated()).isEqualTo(Instant.parse("2026-05-11T12:30:00.123Z"));
        assertThat(first.resourceJson()).contains("not a date");
        assertThat(page.entries().get(1).lastUpdated()).isNull();
    }

    @Test
    void includedResourcesAreKeptApartFromTheEntries() {
        String bundle = """
                {"resourceType":"Bundle","type":"searchset","entry":[
                  {"resource":{"resourceType":"Coverage","id":"c1"},"search":{"mode":"match"}},
                  {"resource":{"resourceType":"Organization","id":"payer-7","name":"Acme Health"},"search":{"mode":"include"}},
                  {"resource":{"resourceType":"OperationOutcome","id":"oo"},"search":{"mode":"outcome"}}]}""";

        FhirPage page = FhirBundleReader.read("u", bundle);

        assertThat(page.entries()).extracting(FhirEntry::reference).containsExactly("Coverage/c1");
        assertThat(page.included()).containsOnlyKeys("Organization/payer-7");
        assertThat(page.included().get("Organization/payer-7")).contains("Acme Health");
    }

    @Test
    void lastPageHasNoNextLink() {
        FhirPage page = FhirBundleReader.read("u", "{\"resourceType\":\"Bundle\",\"type\":\"searchset\"}");
        assertThat(page.nextUrl()).isNull();
        assertThat(page.entries()).isEmpty();
    }

    @Test
    void historyDeletionBecomesADeletedEntry() {
        String history = """
                {"resourceType":"Bundle","type":"history","entry":[
                  {"fullUrl":"http://ehr/fhir/Patient/9","request":{"method":"DELETE","url":"Patient/9/_history/4"},
                   "response":{"status":"204","lastModified":"2026-05-11T14:31:00Z"}},
                  {"resource":{"resourceType":"Patient","id":"8","meta":{"versionId":"2"}},"request":{"method":"PUT","url":"Patient/8"}}]}""";

        FhirPage page = FhirBundleReader.read("u", history);

        FhirEntry deleted = page.entries().get(0);
        assertThat(deleted.deleted()).isTrue();
        assertThat(deleted.reference()).isEqualTo("Patient/9");
        assertThat(deleted.versionId()).isEqualTo("4");
        assertThat(deleted.lastUpdated()).isEqualTo(Instant.parse("2026-05-11T14:31:00Z"));
        assertThat(page.entries().get(1).deleted()).isFalse();
    }

    /** The version comes from the URL when it names one, else from the ETag (here {@code W/"9"}). */
    @ParameterizedTest(name = "request.url {0}, fullUrl {1}")
    @CsvSource(nullValues = "-", value = {
        "Patient/123,                                            -,                                        9",
        "Patient/123/_history/4,                                 -,                                        4",
        "http://ehr.example.org/fhir/Patient/123/_history/4,     -,                                        4",
        "https://x/fhir/Patient/123,                             -,                                        9",
        "https://x/fhir/Patient/123,                             https://x/fhir/Patient/123/_history/4,    4",
        "-,                                                      http://ehr.example.org/fhir/Patient/123,  9",
        "-,                                                      Patient/123/_history/4,                   4",
        "Patient?identifier=urn:oid:1|7,                         https://x/fhir/Patient/123,               9",
    })
    void historyDeletionIsReadFromAnyUrlShape(String requestUrl, String fullUrl, String version) {
        String history = "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":[{"
                + (fullUrl == null ? "" : "\"fullUrl\":\"" + fullUrl + "\",")
                + "\"request\":{\"method\":\"DELETE\"" + (requestUrl == null ? "" : ",\"url\":\"" + requestUrl + "\"") + "},"
                + "\"response\":{\"status\":\"204 No Content\",\"etag\":\"W/\\\"9\\\"\",\"lastModified\":\"2026-05-11T14:31:00Z\"}}]}";

        FhirEntry deleted = FhirBundleReader.read("u", history).entries().get(0);

        assertThat(deleted.deleted()).isTrue();
        assertThat(deleted.resourceType()).isEqualTo("Patient");
        assertThat(deleted.id()).isEqualTo("123");
        assertThat(deleted.versionId()).isEqualTo(version);
        assertThat(deleted.lastUpdated()).isEqualTo(Instant.parse("2026-05-11T14:31:00Z"));
    }

    @Test
    void historyEntryWithoutAResourceIsADeletion() {
        String history = """
                {"resourceType":"Bundle","type":"history","entry":[
                  {"fullUrl":"https://x/fhir/Patient/55/_history/3","response":{"status":"410 Gone"}}]}""";

        FhirEntry deleted = FhirBundleReader.read("u", history).entries().get(0);

        assertThat(deleted.deleted()).isTrue();
        assertThat(deleted.reference()).isEqualTo("Patient/55");
        assertThat(deleted.versionId()).isEqualTo("3");
    }

    @Test
    void searchEntryWithoutAResourceIsNotADeletion() {
        String search = """
                {"resourceType":"Bundle","type":"searchset","entry":[{"fullUrl":"https://x/fhir/Patient/56"}]}""";

        FhirEntry entry = FhirBundleReader.read("u", search).entries().get(0);

        assertThat(entry.deleted()).isFalse();
        assertThat(entry.reference()).isEqualTo("Patient/56");
        assertThat(entry.resourceJson()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"fullUrl\":\"urn:uuid:5f1c\",\"request\":{\"method\":\"DELETE\",\"url\":\"123\"}}",
        "{\"fullUrl\":\"http://x/fhir/Patient/1/_history\",\"request\":{\"method\":\"DELETE\",\"url\":\"Patient/1/\"}}",
        "{\"request\":{\"method\":\"DELETE\"}}"})
    void deletionThatNamesNoResourceFailsThePage(String entry) {
        String history = "{\"resourceType\":\"Bundle\",\"type\":\"history\",\"entry\":[" + entry + "]}";

        assertThatThrownBy(() -> FhirBundleReader.read("http://ehr/fhir/Patient/_history", history))
                .isInstanceOf(EhrUnavailableException.class).hasMessageContaining("name no resource");
    }

    @Test
    void bodyThatIsNotABundleFailsThePage() {
        assertThatThrownBy(() -> FhirBundleReader.read("http://ehr/fhir/Patient", "<html>maintenance</html>"))
                .isInstanceOf(EhrUnavailableException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> FhirBundleReader.read("http://ehr/fhir/Patient", "{\"resourceType\":\"OperationOutcome\"}"))
                .isInstanceOf(EhrUnavailableException.class).hasMessageContaining("other than a Bundle");
    }
}
