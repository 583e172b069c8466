package org.portalsync.source.fhir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.portalsync.sync.SyncHeaders;

/**
 * Reads one resource of the configured type by id (the body) for an on-demand refresh, e.g. after a
 * webhook, an operator's request or a dead letter's re-sync. A {@code 410 Gone} means the EHR deleted
 * it: the entry becomes a deletion, and the portal archives the record. A {@code 404 Not Found} is no deletion (a restricted patient,
 * one outside the client's scope and a wrong base URL all answer it): the body stays the id and
 * {@link SyncHeaders#NOT_FOUND} is set, for {@link RecordNotFoundRead}.
 */
public final class FetchFhirResource implements Processor {

    /** The audit action of a patient read, e.g. for counting the reads the EHR answered 404. */
    static final String PATIENT_READ = "Patient.read";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String baseUrl;
    private final String resourceType;
    private final String elements;
    private final FhirSourceClient client;
    private final Clock clock;
    private final FhirServerCapabilities capabilities;

    /** @param elements the elements the type's mapping reads ({@code _elements}), comma-separated; empty for the whole resource */
    public FetchFhirResource(String source, String baseUrl, String resourceType, String elements, FhirSourceClient client, Clock clock,
            FhirServerCapabilities capabilities) {
        this.source = source;
        this.baseUrl = baseUrl;
        this.resourceType = resourceType;
        this.elements = elements;
        this.client = client;
        this.clock = clock;
        this.capabilities = capabilities;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String id = exchange.getMessage().getMandatoryBody(String.class).trim();
        exchange.getMessage().setHeader(SyncHeaders.SOURCE, source);
        exchange.getMessage().setHeader(SyncHeaders.RECORD, resourceType + "/" + id);
        String url = baseUrl + "/" + resourceType + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                + (elements.isEmpty() || !capabilities.current().elements() ? "" : "?_elements=" + elements);
        FhirResponse response = client.get(url, resourceType + ".read");
        exchange.getMessage().setHeader(SyncHeaders.NOT_FOUND, response.notFound());
        if (response.notFound()) {
            exchange.getMessage().setBody(id);
            return;
        }
        if (response.gone()) {
            exchange.getMessage().setBody(new FhirEntry(resourceType, id, null, clock.instant(), null, true));
            return;
        }
        JsonNode meta = JSON.readTree(response.body()).path("meta");
        exchange.getMessage().setBody(new FhirEntry(resourceType, id, meta.path("versionId").asText(null), null, response.body(), false));
    }
}
