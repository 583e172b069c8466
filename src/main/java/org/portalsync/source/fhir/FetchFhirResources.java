package org.portalsync.source.fhir;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads several resources of one type in one request, {@code <type>?_id=a,b,c}, where a webhook inbox
 * holds many at once: one search in place of a read each. Only the current version of a resource the
 * EHR still has comes back; a resource missing from the answer (deleted, gone, outside the client's
 * scope) is for its own read, which tells 404 from 410.
 */
public final class FetchFhirResources {

    private final String baseUrl;
    private final FhirSourceClient client;
    private final FhirServerCapabilities capabilities;
    private final Map<String, String> elementsByType;

    /** @param elementsByType the elements a type's mapping reads ({@code _elements}), for the types that name them */
    public FetchFhirResources(String baseUrl, FhirSourceClient client, FhirServerCapabilities capabilities, Map<String, String> elementsByType) {
        this.baseUrl = baseUrl;
        this.client = client;
        this.capabilities = capabilities;
        this.elementsByType = Map.copyOf(elementsByType);
    }

    /**
     * @return the resources the EHR answered with, by id; the ids it left out are not in it
     * @throws EhrUnavailableException and the other failures of {@link FhirSourceClient#get}
     */
    public Map<String, FhirEntry> read(String resourceType, List<String> ids) {
        StringBuilder url = new StringBuilder(baseUrl).append('/').append(resourceType).append("?_id=")
                .append(URLEncoder.encode(String.join(",", ids), StandardCharsets.UTF_8)).append("&_count=").append(ids.size());
        String elements = elementsByType.get(resourceType);
        if (elements != null && capabilities.current().elements()) {
            url.append("&_elements=").append(elements);
        }
        String request = url.toString();
        FhirResponse response = client.getOnePage(request, resourceType + ".search");
        if (response.status() >= 300) {
            throw new EhrRequestRejectedException("EHR answered " + resourceType + ".search by _id with HTTP " + response.status(),
                    response.status());
        }
        Map<String, FhirEntry> found = new HashMap<>();
        for (FhirEntry entry : FhirBundleReader.read(request, response.body()).entries()) {
            if (resourceType.equals(entry.resourceType()) && !entry.deleted() && entry.hasResource() && ids.contains(entry.id())) {
                found.put(entry.id(), entry);
            }
        }
        return found;
    }
}
